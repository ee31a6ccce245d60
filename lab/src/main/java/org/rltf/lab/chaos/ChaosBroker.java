package org.rltf.lab.chaos;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.rltf.broker.EmbeddedKafka;

/**
 * The chaos run's broker process: {@link EmbeddedKafka} alone on a fixed port and data directory (the schema
 * registry runs as a process of its own, {@code rltf registry}, so the schedule can stop it while the broker stays
 * up). Started again on the same directory after a SIGKILL, it recovers its logs as any Kafka broker does.
 *
 * <p>Usage: {@code ChaosBroker <port> <controller port> <data dir>}.
 */
public final class ChaosBroker {
    private ChaosBroker() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        int controllerPort = Integer.parseInt(args[1]);
        Path data = Path.of(args[2]);
        EmbeddedKafka broker = EmbeddedKafka.builder().port(port).controllerPort(controllerPort).dataDir(data).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "chaos-broker-shutdown"));
        System.out.println("chaos broker ready at " + broker.bootstrapServers());
        System.out.flush();
        stopped.await();
    }
}
