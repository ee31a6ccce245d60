package org.rltf.lab;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.Service;
import org.rltf.kernel.ServiceMain;
import org.rltf.kernel.ServiceSpec;
import org.rltf.lab.metrics.PrometheusMetrics;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The one command line of every service ({@code rltf grader}, {@code rltf generator}, {@code rltf learner},
 * {@code rltf evaluator}), generated from the service's {@link ServiceSpec}: each key is an option named after it
 * without the service's own prefix ({@code learner.rl.batch} is {@code --rl-batch}, {@code buffer.min.fill} is
 * {@code --buffer-min-fill}, {@code run} is {@code --run}), whose help shows the key's documentation, default, valid
 * values and environment variable, straight from the ConfigDef. {@code -c key=value} sets any key (including Kafka
 * client keys), {@code --config-file} reads a properties file; precedence is command line > environment > file >
 * defaults, and an unknown key is an error naming the nearest valid one ({@link ConfigContract}).
 */
final class ServiceCommand {
    private ServiceCommand() {
    }

    /** The subcommand {@code name} that runs the service of {@code spec}; {@code aliases} maps extra option names to keys. */
    static CommandLine create(String name, ServiceSpec spec, Map<String, String> aliases,
                              BiFunction<Map<String, Object>, MeterRegistry, ? extends Service> factory) {
        CommandSpec[] self = new CommandSpec[1];
        // The user object runs when the parent command dispatches here; it reads its own parse result.
        java.util.concurrent.Callable<Integer> body = () -> execute(self[0].commandLine(), name, spec, optionsToKeys(self[0]),
                factory);
        CommandSpec cmd = CommandSpec.wrapWithoutInspection(body).name(name).mixinStandardHelpOptions(true);
        self[0] = cmd;
        cmd.usageMessage().description(spec.description(), "",
                "Every setting below is also RLTF_<KEY> in the environment (e.g. RLTF_BOOTSTRAP_SERVERS), a line of "
                        + "--config-file, or -c key=value; the command line wins, then the environment, then the file.")
                .sortOptions(false).width(120).adjustLineBreaksForWideCJKCharacters(false);
        Map<String, String> optionToKey = new LinkedHashMap<>();
        String ownPrefix = name + ".";
        for (ConfigDef.ConfigKey key : spec.config().configKeys().values()) {
            String option = "--" + (key.name.startsWith(ownPrefix) ? key.name.substring(ownPrefix.length()) : key.name)
                    .replace('.', '-');
            List<String> names = new java.util.ArrayList<>(List.of(option));
            aliases.forEach((alias, k) -> {
                if (k.equals(key.name)) names.add(alias);
            });
            for (String n : names) optionToKey.put(n, key.name);
            cmd.addOption(OptionSpec.builder(names.toArray(String[]::new)).paramLabel(key.type.name())
                    .type(String.class).description(describe(key)).build());
        }
        cmd.addOption(OptionSpec.builder("-c", "--config").paramLabel("KEY=VALUE").type(Map.class)
                .auxiliaryTypes(String.class, String.class)
                .description("Any setting by its key, repeatable (a service key, or a Kafka client key such as "
                        + "security.protocol or producer.linger.ms).").build());
        cmd.addOption(OptionSpec.builder("--config-file").paramLabel("FILE").type(Path.class)
                .description("A properties file of settings (keys of other services in it are skipped).").build());
        optionKeys.put(cmd, optionToKey);
        return new CommandLine(cmd);
    }

    private static final Map<CommandSpec, Map<String, String>> optionKeys = new java.util.concurrent.ConcurrentHashMap<>();

    private static Map<String, String> optionsToKeys(CommandSpec cmd) {
        return optionKeys.get(cmd);
    }

    private static int execute(CommandLine cl, String name, ServiceSpec spec, Map<String, String> optionToKey,
                               BiFunction<Map<String, Object>, MeterRegistry, ? extends Service> factory) {
        CommandLine.ParseResult parsed = cl.getParseResult();
        Map<String, String> cli = new LinkedHashMap<>();
        Map<String, String> typed = new LinkedHashMap<>(); // key -> the option the user typed, for errors
        Path file = null;
        for (OptionSpec o : parsed.matchedOptions()) {
            if (o.longestName().equals("--config")) {
                Map<String, String> m = o.getValue();
                cli.putAll(m);
            } else if (o.longestName().equals("--config-file")) {
                file = o.getValue();
            } else if (!o.usageHelp() && !o.versionHelp()) {
                String key = optionToKey.get(o.longestName());
                cli.put(key, o.getValue());
                typed.put(key, matchedName(parsed, o));
            }
        }
        try {
            Map<String, Object> config = ConfigContract.resolve(spec, cli, file, System.getenv());
            // --metrics-port: the service's meters, the JVM's and every Kafka client's at /metrics.
            int metricsPort = metricsPort(config);
            PrometheusMetrics metrics = metricsPort < 0 ? null : PrometheusMetrics.start("0.0.0.0", metricsPort);
            try {
                if (metrics != null) {
                    config = PrometheusMetrics.withKafkaClientMeters(config);
                    cl.getErr().println("rltf " + name + ": Prometheus metrics at http://0.0.0.0:" + metrics.port() + "/metrics");
                }
                Service service;
                try {
                    service = factory.apply(config, metrics == null ? new SimpleMeterRegistry() : metrics.registry());
                } catch (ConfigException e) {
                    throw withOption(e, typed);
                }
                ServiceMain.runUntilShutdown(name, service);
                return 0;
            } finally {
                if (metrics != null) metrics.close();
            }
        } catch (ConfigException e) {
            cl.getErr().println("rltf " + name + ": invalid configuration: " + e.getMessage());
            return 2;
        }
    }

    /** The {@value RunConfig#METRICS_PORT_CONFIG} setting, checked as the service's own config will check it. */
    static int metricsPort(Map<String, Object> config) {
        Object v = config.getOrDefault(RunConfig.METRICS_PORT_CONFIG, -1);
        int port;
        try {
            port = v instanceof Number n ? n.intValue() : Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(RunConfig.METRICS_PORT_CONFIG, v, "not a port number");
        }
        if (port < -1 || port > 65535) throw new ConfigException(RunConfig.METRICS_PORT_CONFIG, v, "must be in [-1, 65535]");
        return port;
    }

    private static String matchedName(CommandLine.ParseResult parsed, OptionSpec o) {
        for (String n : o.names()) if (parsed.originalArgs().stream().anyMatch(a -> a.equals(n) || a.startsWith(n + "=")))
            return n;
        return o.longestName();
    }

    /** Names the option the user typed next to the key a ConfigException names. */
    private static ConfigException withOption(ConfigException e, Map<String, String> typed) {
        String message = e.getMessage();
        for (Map.Entry<String, String> t : typed.entrySet()) {
            if (message != null && message.contains(t.getKey()))
                return new ConfigException(message + " (given as " + t.getValue() + ")");
        }
        return e;
    }

    private static String describe(ConfigDef.ConfigKey key) {
        StringBuilder d = new StringBuilder(key.documentation == null ? "" : key.documentation);
        d.append(" [").append(key.name);
        if (key.hasDefault()) {
            String v = key.defaultValue == null ? "null" : ConfigDef.convertToString(key.defaultValue, key.type);
            d.append("; default: ").append(v == null || v.isEmpty() ? "\"\"" : v);
        } else {
            d.append("; required");
        }
        if (key.validator != null) d.append("; valid: ").append(key.validator);
        d.append("; env ").append(ConfigContract.envName(key.name)).append(']');
        return d.toString().replace("%", "%%"); // picocli formats descriptions
    }
}
