package org.rltf.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.Partitions;
import org.rltf.kernel.RunConfig;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf tail}: a run's topic as JSON lines, one event a line in Avro's JSON encoding with field names (a union
 * value is wrapped in its branch's type name, {@code {"string": "NameError"}}, as Avro's JSON encoding says), so
 * jq or pandas can read any topic. It reads with a {@code read_committed} consumer without a group: it commits
 * nothing and never disturbs the run's consumers.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Print a run's events as JSON lines (Avro's JSON encoding with field names), e.g. "
                + "rltf tail --run R --topic learner-steps --from-beginning | jq .loss"})
public final class TailCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, description = "The run.")
    String run;

    @Option(names = "--topic", required = true,
            description = "The topic: one of problems, samples, feedback, experience, checkpoints, learner-steps, "
                    + "evaluations, dead-letter (or its full name rltf.<run>.<name>).")
    String topic;

    @Option(names = "--from-beginning", description = "Start at the topic's first event (default: its end).")
    boolean fromBeginning;

    @Option(names = "--follow", description = "Keep printing new events until interrupted (default: stop at the end).")
    boolean follow;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka brokers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", defaultValue = "http://localhost:8081", description = "The schema registry (default: ${DEFAULT-VALUE}).")
    String schemaRegistryUrl;

    @Override
    public Integer call() {
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        cluster.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        AtomicBoolean stop = new AtomicBoolean();
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                main.join(5000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try {
            return tail(cluster, run, topic, fromBeginning, follow, stop, out, System.err);
        } catch (IllegalArgumentException e) {
            System.err.println("rltf tail: " + e.getMessage());
            return 2;
        } finally {
            out.flush();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down
            }
        }
    }

    /** The topic of {@code run} that {@code name} stands for: a short name or the full topic name. */
    static String topicOf(String run, String name) {
        Topics topics = Topics.forRun(run);
        if (Topics.NAMES.contains(name)) return topics.topic(name);
        if (topics.all().contains(name)) return name;
        throw new IllegalArgumentException("--topic " + name + " is not a topic of run " + run + "; one of " + Topics.NAMES);
    }

    /** Prints the events; returns the exit status (0). Undecodable records are reported on {@code err} and skipped. */
    static int tail(Map<String, ?> cluster, String run, String name, boolean fromBeginning, boolean follow,
                    AtomicBoolean stop, PrintStream out, PrintStream err) {
        Topics.validateRun(run);
        String topic = topicOf(run, name);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                ClientConfigs.readCommittedConsumer(cluster, "rltf-tail-" + run), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
             AvroDeserializer<GenericRecord> values = new AvroDeserializer<>()) {
            values.configure(ClientConfigs.serde(cluster), false);
            List<TopicPartition> partitions = Partitions.assignFromBeginning(consumer, List.of(topic), Duration.ofSeconds(30));
            if (!fromBeginning) consumer.seekToEnd(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (!stop.get() && (follow || !Partitions.reached(consumer, ends))) {
                try {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.value() == null) continue;
                        GenericRecord event;
                        try {
                            event = values.deserialize(topic, r.value());
                        } catch (SerializationException e) {
                            err.println("rltf tail: " + topic + " partition " + r.partition() + " offset " + r.offset()
                                    + " cannot be decoded: " + e.getMessage());
                            continue;
                        }
                        out.println(json(event));
                    }
                    out.flush();
                } catch (WakeupException e) {
                    break;
                }
            }
        }
        return 0;
    }

    /** One event in Avro's JSON encoding, on one line. */
    static String json(GenericRecord event) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            JsonEncoder encoder = EncoderFactory.get().jsonEncoder(event.getSchema(), bytes);
            new GenericDatumWriter<GenericRecord>(event.getSchema()).write(event, encoder);
            encoder.flush();
            return bytes.toString(StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
