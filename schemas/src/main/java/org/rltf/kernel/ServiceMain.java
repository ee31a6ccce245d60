package org.rltf.kernel;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import org.apache.kafka.common.config.ConfigException;

/**
 * The one {@code main} of every service: {@code Service [--config-file F] [key=value ...]} or {@code --help}.
 * The configuration comes from the command line, the environment and the file ({@link ConfigContract#resolve});
 * the service runs on the calling thread until it is done or the JVM is asked to stop (SIGTERM, SIGINT), when a
 * shutdown hook closes it, which lets it finish the work in hand.
 */
public final class ServiceMain {
    private ServiceMain() {
    }

    /** Runs the service of {@code spec} from {@code args} and exits the JVM with its status. */
    public static void main(ServiceSpec spec, String[] args, Function<Map<String, Object>, ? extends Service> factory) {
        System.exit(launch(spec, args, System.getenv(), factory, System.out, System.err));
    }

    /**
     * Parses {@code args}, resolves the configuration and runs the service; the exit status: 0 when it is done, 2 for
     * a bad command line or configuration (one line on {@code err} naming the key), 1 when it failed.
     */
    public static int launch(ServiceSpec spec, String[] args, Map<String, String> env,
                             Function<Map<String, Object>, ? extends Service> factory, PrintStream out, PrintStream err) {
        Map<String, String> cli = new LinkedHashMap<>();
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                out.println("usage: " + spec.name() + " [--config-file FILE] [key=value ...]\n");
                if (!spec.description().isEmpty()) out.println(spec.description() + "\n");
                out.print(ConfigHelp.describe(spec));
                return 0;
            } else if (arg.equals("--config-file") && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else if (arg.startsWith("--config-file=")) {
                file = Path.of(arg.substring("--config-file=".length()));
            } else {
                int eq = arg.indexOf('=');
                if (eq <= 0) {
                    err.println(spec.name() + ": expected key=value, got '" + arg + "' (--help lists the keys)");
                    return 2;
                }
                cli.put(arg.substring(0, eq), arg.substring(eq + 1));
            }
        }
        Service service;
        try {
            Map<String, Object> config = ConfigContract.resolve(spec, cli, file, env);
            if (!String.valueOf(config.getOrDefault(RunConfig.METRICS_PORT_CONFIG, "-1")).trim().startsWith("-"))
                err.println(spec.name() + ": " + RunConfig.METRICS_PORT_CONFIG + " is served by the rltf launcher (rltf "
                        + spec.name() + " --metrics-port N), not by this entry point: no metrics endpoint");
            service = factory.apply(config);
        } catch (ConfigException e) {
            err.println(spec.name() + ": invalid configuration: " + e.getMessage());
            return 2;
        }
        try {
            runUntilShutdown(spec.name(), service);
            return 0;
        } catch (ClusterUnavailableException e) {
            err.println(e.getMessage()); // the one sentence a user needs, naming the servers and the key
            return 1;
        } catch (RuntimeException e) {
            err.println(spec.name() + " stopped: " + e);
            return 1;
        }
    }

    /** Runs {@code service} on this thread; a JVM shutdown (SIGTERM, SIGINT) closes it, and this returns when it stops. */
    public static void runUntilShutdown(String name, Service service) {
        Thread hook = new Thread(service::close, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            service.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down: the hook runs (or ran) close()
            }
            service.close();
        }
    }
}
