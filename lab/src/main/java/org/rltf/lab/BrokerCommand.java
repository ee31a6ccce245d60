package org.rltf.lab;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.rltf.broker.LocalStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf broker}: a Kafka broker (KRaft, one node) and a schema registry in this process, until interrupted,
 * so several rltf processes can share them.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs an embedded Kafka broker (KRaft, single node) and schema registry until interrupted (Ctrl-C).")
public final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092", description = "Kafka client port (default ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--registry-port", defaultValue = "8081", description = "Schema registry HTTP port (default ${DEFAULT-VALUE}; 0 = any free port).")
    int registryPort;

    @Option(names = "--data", defaultValue = "runs/broker",
            description = "Data directory; kept, and reused on the next start (default ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Interface to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for other machines, with --advertised-host).")
    String host;

    @Option(names = "--advertised-host", description = "Host name clients connect to (default: --host, or 127.0.0.1 for 0.0.0.0).")
    String advertisedHost;

    @Override public Integer call() throws Exception {
        String advertised = advertisedHost != null ? advertisedHost : "0.0.0.0".equals(host) ? "127.0.0.1" : host;
        LocalStack stack = LocalStack.builder().dataDir(data.toAbsolutePath()).port(port).registryPort(registryPort)
                .host(host).advertisedHost(advertised).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping broker and schema registry...");
            stack.close();
            stopped.countDown();
        }, "rltf-broker-shutdown"));
        System.out.println("Kafka bootstrap servers: " + stack.bootstrapServers());
        System.out.println("Schema registry URL:     " + stack.schemaRegistryUrl());
        System.out.println("Data directory:          " + data.toAbsolutePath());
        System.out.println("Client config: bootstrap.servers=" + stack.bootstrapServers()
                + " schema.registry.url=" + stack.schemaRegistryUrl());
        System.out.println("Running until interrupted (Ctrl-C).");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
