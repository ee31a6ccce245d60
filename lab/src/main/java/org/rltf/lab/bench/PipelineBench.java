package org.rltf.lab.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.rltf.broker.LocalStack;
import org.rltf.broker.registry.SchemaRegistryServer;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.grader.service.GraderService;
import org.rltf.grader.service.GraderServiceConfig;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.Partitions;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.TopicAdmin;
import org.rltf.kernel.TopicLayoutConfig;
import org.rltf.kernel.Transactions;
import org.rltf.lab.run.ProblemImport;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerializer;
import org.rltf.streams.BufferConfig;
import org.rltf.streams.BufferSnapshot;
import org.rltf.streams.OnlineBuffer;
import org.rltf.streams.RewardConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rltf bench pipeline}: the event path of a run without a model or a sandbox. Synthetic samples of real size
 * ({@link SyntheticEvents}) are published as the generator publishes them (Avro through the registry, one
 * transaction per batch); the real {@link GraderService}, with {@link SyntheticGrader} in place of the sandbox,
 * publishes their feedback transactionally with its offsets; the real {@link OnlineBuffer} joins them, rewards them
 * and stores the experiences; the learner's read is {@link OnlineBuffer#snapshot}. Next to it, in the same run and on
 * the same broker, plain byte[] records of the serialised sample's size go through a KafkaProducer and a
 * KafkaConsumer: the physical limit of the machine.
 *
 * <p>Phases, in order: a warm-up (registry lookups, rebalances, JIT); the paced phase (latency at {@code rate});
 * fill to the first snapshot size and time snapshots; raw Kafka; the unpaced phase (samples/s end to end); fill to
 * each further snapshot size and time snapshots. Latency runs from a sample's produce time (its record timestamp,
 * which feedback and experience carry over) to its Experience arriving on the experience topic for a read_committed
 * consumer; the buffer's store holds it no later than that, since it is written in the same Streams transaction.
 */
public final class PipelineBench {
    private static final Logger log = LoggerFactory.getLogger(PipelineBench.class);
    static final String PACED = "paced";
    static final String UNPACED = "unpaced";
    static final String RAW = "raw";
    /** Kafka Streams' commit.interval.ms under exactly-once when none is set. */
    private static final int EOS_COMMIT_INTERVAL_MS = 100;

    /**
     * What to run. {@code bootstrapServers} null: an embedded broker and registry; else that cluster, with the
     * registry at {@code schemaRegistryUrl} or, when null, an in-process one on that cluster.
     */
    public record Options(String bootstrapServers, String schemaRegistryUrl, Path dir, double rate, int warmupSamples,
                          int pacedSamples, int samples, List<Integer> snapshotSizes, int snapshotRepeats,
                          int completionTokens, int promptTokens, int groupSize, int problems, int partitions,
                          int maxTransaction, Integer graderBatch, Long graderLingerMs, Integer retryBackoffMs,
                          Integer commitIntervalMs, Integer streamThreads, long seed, Duration stall) {
        public Options {
            Objects.requireNonNull(dir, "dir");
            snapshotSizes = List.copyOf(snapshotSizes).stream().sorted().toList();
            Objects.requireNonNull(stall, "stall");
            if (!(rate > 0)) throw new IllegalArgumentException("rate must be > 0, got " + rate);
            if (warmupSamples < 0) throw new IllegalArgumentException("warm-up samples must be >= 0");
            if (pacedSamples < 1 || samples < 1) throw new IllegalArgumentException("paced and unpaced samples must be >= 1");
            if (snapshotSizes.isEmpty() || snapshotSizes.get(0) < 1)
                throw new IllegalArgumentException("snapshot sizes must be >= 1, at least one");
            if (snapshotRepeats < 1) throw new IllegalArgumentException("snapshot repeats must be >= 1");
            if (completionTokens < 1 || promptTokens < 0) throw new IllegalArgumentException("completion tokens >= 1, prompt tokens >= 0");
            if (groupSize < 1 || problems < 1 || partitions < 1 || maxTransaction < 1)
                throw new IllegalArgumentException("group size, problems, partitions and samples per transaction must be >= 1");
            if (graderBatch != null && graderBatch < 1) throw new IllegalArgumentException("grader batch must be >= 1");
            if (graderLingerMs != null && graderLingerMs < 0) throw new IllegalArgumentException("grader linger must be >= 0 ms");
            if (retryBackoffMs != null && retryBackoffMs < 0) throw new IllegalArgumentException("retry backoff must be >= 0");
            if (commitIntervalMs != null && commitIntervalMs < 1) throw new IllegalArgumentException("commit interval must be >= 1 ms");
            if (streamThreads != null && streamThreads < 1) throw new IllegalArgumentException("stream threads must be >= 1");
        }
    }

    /** Records through one path: how many, in what time, and their latencies. */
    public record Flow(String name, long records, double seconds, double p50Ms, double p99Ms) {
        public double perSecond() { return records / seconds; }
    }

    /**
     * One timed snapshot: the store's entries in the horizon, what the snapshot returned, its median and max time,
     * and the median time of a snapshot followed by decoding every experience it returned (a snapshot decodes only
     * what is drawn from it: BufferEntry; this is the cost when everything is).
     */
    public record SnapshotCost(long entries, int returned, double medianMs, double maxMs, double allDecodedMedianMs,
                               int repeats) {}

    public record Report(String broker, int partitions, int completionTokens, int promptTokens, double sampleBytes,
                         double feedbackBytes, double experienceBytes, Flow raw, Flow unpaced, Flow paced,
                         List<Flow> pacedHops,
                         double rate, List<SnapshotCost> snapshots, int capacity, int graderBatch,
                         long graderLingerMs, int commitIntervalMs, int streamThreads, int retryBackoffMs, long duplicates,
                         LogBytes logBytes) {
        public double throughputRatio() { return unpaced.perSecond() / raw.perSecond(); }

        public void print(PrintStream out) {
            out.printf("rltf bench pipeline: %s, %d partitions; %d-token completions, %d-token prompts; means serialised: "
                            + "sample %.0f B, feedback %.0f B, experience %.0f B; grader batches of up to %d, "
                            + "transactions lingering %d ms; the buffer's commit.interval.ms %d, num.stream.threads %d; "
                            + "transactional producers' "
                            + "retry.backoff.ms %d%n",
                    broker, partitions, completionTokens, promptTokens, sampleBytes, feedbackBytes, experienceBytes,
                    graderBatch, graderLingerMs, commitIntervalMs, streamThreads, retryBackoffMs);
            out.printf("%-62s %9s %9s %11s %9s %9s%n", "path", "records", "seconds", "records/s", "p50 ms", "p99 ms");
            for (Flow f : Stream.concat(Stream.of(raw, unpaced, paced), pacedHops.stream()).toList())
                out.printf("%-62s %9d %9.2f %11.1f %9.1f %9.1f%n", f.name(), f.records(), f.seconds(), f.perSecond(),
                        f.p50Ms(), f.p99Ms());
            out.printf("%-62s %9s %9s %11s %9s %14s%n", "buffer snapshot (learner-side read)", "entries", "returned",
                    "median ms", "max ms", "all decoded ms");
            for (SnapshotCost s : snapshots)
                out.printf("%-62s %9d %9d %11.1f %9.1f %14.1f%n", "snapshot(), " + s.repeats() + " times", s.entries(),
                        s.returned(), s.medianMs(), s.maxMs(), s.allDecodedMedianMs());
            logBytes.print(out);
            out.printf("pipeline / raw Kafka throughput: %.2f (target >= 0.25: %s)%n", throughputRatio(),
                    throughputRatio() >= 0.25 ? "met" : "missed");
            out.printf("p99 sample -> experience at %.0f samples/s: %.1f ms (target < 100 ms at 1000/s: %s)%n", rate,
                    paced.p99Ms(), rate < 1000 ? "not measured at 1000/s" : paced.p99Ms() < 100 ? "met" : "missed");
            snapshots.stream().filter(s -> s.entries() == 6400).findFirst().ifPresentOrElse(
                    s -> out.printf("snapshot of 6,400 entries: %.1f ms (target < 100 ms: %s)%n", s.medianMs(),
                            s.medianMs() < 100 ? "met" : "missed"),
                    () -> out.println("snapshot of 6,400 entries: not measured (no --snapshot-sizes 6400)"));
            out.printf("latency: a sample's produce time to its Experience on the experience topic (read_committed); the "
                    + "rows 'of which' stop at its sample's and its feedback's commits, so the buffer's hop (join, rewards, "
                    + "store, its own transaction) is the paced row less the feedback row; the "
                    + "buffer's store holds it no later. buffer.capacity raised to %d so a snapshot returns every "
                    + "entry in the horizon.%s%n", capacity, duplicates == 0 ? "" : " DUPLICATES seen: " + duplicates);
        }
    }

    /**
     * What the unpaced phase wrote to the brokers' logs per sample, by topic (the run's topics by their short names,
     * the buffer's internal ones as {@code buffer: <name>}; every replica counted; record batches, headers and
     * transaction markers included), and what the raw run wrote per record: the pipeline's write amplification,
     * which bounds its throughput against raw Kafka's however cheap its own code gets.
     */
    public record LogBytes(Map<String, Double> perSampleByTopic, double rawPerRecord) {
        public LogBytes {
            perSampleByTopic = Collections.unmodifiableMap(new TreeMap<>(perSampleByTopic));
        }

        public double perSample() { return perSampleByTopic.values().stream().mapToDouble(Double::doubleValue).sum(); }

        void print(PrintStream out) {
            out.printf("%-62s %9s%n", "log bytes written per unpaced sample, by topic", "bytes");
            perSampleByTopic.forEach((topic, bytes) -> out.printf("%-62s %9.0f%n", "  " + topic, bytes));
            out.printf("%-62s %9.0f (%.1fx raw Kafka's %.0f per record)%n", "  all topics", perSample(),
                    perSample() / rawPerRecord, rawPerRecord);
        }
    }

    private PipelineBench() {
    }

    public static Report run(Options o, PrintStream progress) {
        String run = "bench-" + System.currentTimeMillis();
        Topics topics = Topics.forRun(run);
        List<AutoCloseable> open = new ArrayList<>();
        Path state = o.dir().toAbsolutePath().resolve("state").resolve(run);
        try {
            Map<String, Object> common = new HashMap<>();
            String broker;
            if (o.bootstrapServers() == null) {
                progress.println("starting an embedded broker and schema registry...");
                LocalStack stack = LocalStack.start();
                open.add(stack);
                common.putAll(stack.clientConfig());
                broker = "embedded broker (KRaft, 1 node) at " + stack.bootstrapServers();
            } else {
                common.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers());
                String url = o.schemaRegistryUrl();
                if (url == null) {
                    SchemaRegistryServer registry = SchemaRegistryServer.start(o.bootstrapServers());
                    open.add(registry);
                    url = "http://127.0.0.1:" + registry.port();
                }
                common.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, url);
                broker = "cluster " + o.bootstrapServers();
            }
            common.put(TopicLayoutConfig.PARTITIONS_CONFIG, o.partitions());
            // The transactional producers' retry.backoff.ms (generator, grader, Streams): a produce right after a commit
            // is refused with CONCURRENT_TRANSACTIONS until the markers are written, and retried after this backoff.
            Map<String, Object> producerOverrides = o.retryBackoffMs() == null ? Map.of()
                    : Map.of(ClientConfigs.PRODUCER_PREFIX + ProducerConfig.RETRY_BACKOFF_MS_CONFIG, o.retryBackoffMs());
            SyntheticEvents events = new SyntheticEvents(o.seed(), o.completionTokens(), o.promptTokens(),
                    o.groupSize(), o.problems());
            progress.printf("run %s: creating topics, publishing %d problems...%n", run, o.problems());
            ProblemImport.createTopics(common, run);
            ProblemImport.publish(common, run, events.problems(), System.currentTimeMillis());

            int capacity = o.snapshotSizes().get(o.snapshotSizes().size() - 1);
            Map<String, Object> streams = new HashMap<>(common);
            streams.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
            streams.putAll(producerOverrides); // Streams' producer prefix is the kernel's too
            if (o.commitIntervalMs() != null) streams.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, o.commitIntervalMs());
            if (o.streamThreads() != null) streams.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, o.streamThreads());
            OnlineBuffer buffer = OnlineBuffer.start(streams, run, new BufferConfig(Map.of(
                    BufferConfig.CAPACITY_CONFIG, capacity, BufferConfig.MIN_FILL_CONFIG, Math.min(capacity, 256))), new RewardConfig(Map.of()));
            open.add(buffer);

            Map<String, Object> graderConfig = new HashMap<>(common);
            graderConfig.remove(TopicLayoutConfig.PARTITIONS_CONFIG);
            graderConfig.put(GraderServiceConfig.RUN_CONFIG, run);
            graderConfig.put(GraderServiceConfig.INSTANCE_ID_CONFIG, "bench");
            graderConfig.putAll(producerOverrides);
            if (o.graderBatch() != null) graderConfig.put(GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG, o.graderBatch());
            if (o.graderLingerMs() != null)
                graderConfig.put(GraderServiceConfig.TRANSACTION_LINGER_MS_CONFIG, o.graderLingerMs());
            GraderService grader = new GraderService(graderConfig, new SimpleMeterRegistry(), SyntheticGrader::new);
            int graderBatch = grader.config().batchMaxRecords();
            Thread graderThread = new Thread(() -> {
                try {
                    grader.run();
                } catch (RuntimeException e) {
                    // run() logged it; the tail's stall check reports it as the pipeline stopping
                }
            }, "bench-grader");
            graderThread.setDaemon(true);
            open.add(() -> {
                grader.close();
                graderThread.join(30_000);
            });
            graderThread.start();
            buffer.awaitRunning(Duration.ofMinutes(2));

            ArrivalTail experiences = new ArrivalTail(
                    ClientConfigs.readCommittedConsumer(common, "rltf-bench-tail-" + run), topics.experience());
            open.add(experiences);
            // The paced phase's latency hop by hop: when each sample, and then its feedback, became visible to a
            // read_committed consumer (every hop carries the sample's record timestamp over), so a miss of the latency
            // target says which stage it is spent in.
            ArrivalTail samplesSeen = new ArrivalTail(
                    ClientConfigs.readCommittedConsumer(common, "rltf-bench-tail-samples-" + run), topics.samples());
            open.add(samplesSeen);
            ArrivalTail feedbackSeen = new ArrivalTail(
                    ClientConfigs.readCommittedConsumer(common, "rltf-bench-tail-feedback-" + run), topics.feedback());
            open.add(feedbackSeen);
            Map<String, Object> generatorConfig = new HashMap<>(common);
            generatorConfig.putAll(producerOverrides);
            Generator generator = new Generator(generatorConfig, run, topics.samples(), events, o.maxTransaction(), o.stall());
            open.add(generator);
            double feedbackBytes = meanFeedbackBytes(common, topics, events, run);

            long produced = 0;
            if (o.warmupSamples() > 0) {
                progress.printf("warm-up: %,d samples...%n", o.warmupSamples());
                generator.publish("warm-up", o.warmupSamples(), 0);
                experiences.await("warm-up", o.warmupSamples(), o.stall(), () -> progressLine(progress, experiences, "warm-up", o.warmupSamples()));
                produced += o.warmupSamples();
            }

            progress.printf("paced: %,d samples at %.0f/s...%n", o.pacedSamples(), o.rate());
            long pacedStart = generator.publish(PACED, o.pacedSamples(), o.rate());
            experiences.await(PACED, o.pacedSamples(), o.stall(), () -> progressLine(progress, experiences, PACED, o.pacedSamples()));
            produced += o.pacedSamples();
            Flow paced = flow(String.format("pipeline paced at %.0f samples/s", o.rate()), experiences.phase(PACED), pacedStart);
            samplesSeen.await(PACED, o.pacedSamples(), o.stall(), () -> { });
            feedbackSeen.await(PACED, o.pacedSamples(), o.stall(), () -> { });
            List<Flow> pacedHops = List.of(
                    flow("  of which: sample committed (generator's transaction)", samplesSeen.phase(PACED), pacedStart),
                    flow("  of which: feedback committed (+ grader's transaction)", feedbackSeen.phase(PACED), pacedStart));
            // Not read on through the unpaced phase: their reads would take CPU from the throughput it measures.
            samplesSeen.close();
            feedbackSeen.close();

            List<SnapshotCost> snapshots = new ArrayList<>();
            int fills = 0;
            produced = fillTo(o.snapshotSizes().get(0), produced, generator, experiences, o, progress, fills++);
            snapshots.add(snapshot(buffer, o.snapshotRepeats(), progress));

            Flow raw = raw(common, run, o, generator.meanBytes(), progress);

            Map<String, Long> logBefore = logBytes(common, run);
            progress.printf("unpaced: %,d samples...%n", o.samples());
            long unpacedStart = generator.publish(UNPACED, o.samples(), 0);
            experiences.await(UNPACED, o.samples(), o.stall(), () -> progressLine(progress, experiences, UNPACED, o.samples()));
            produced += o.samples();
            Map<String, Long> logAfter = logBytes(common, run);
            String rawTopic = rawTopic(run);
            Map<String, Double> perSample = new HashMap<>();
            logAfter.forEach((topic, bytes) -> {
                long written = bytes - logBefore.getOrDefault(topic, 0L);
                if (!topic.equals(rawTopic) && written > 0)
                    perSample.put(topic.replace("rltf-" + run + "-buffer-", "buffer: ").replace("rltf." + run + ".", ""),
                            (double) written / o.samples());
            });
            LogBytes logBytes = new LogBytes(perSample, (double) logBefore.getOrDefault(rawTopic, 0L) / o.samples());
            Flow unpaced = flow("pipeline unpaced: samples -> grader (txn) -> join + buffer", experiences.phase(UNPACED),
                    unpacedStart);

            for (int size : o.snapshotSizes().subList(1, o.snapshotSizes().size())) {
                produced = fillTo(size, produced, generator, experiences, o, progress, fills++);
                snapshots.add(snapshot(buffer, o.snapshotRepeats(), progress));
            }
            long duplicates = Stream.of("warm-up", PACED, UNPACED).mapToLong(p -> experiences.phase(p).duplicates()).sum();
            for (int f = 0; f < fills; f++) duplicates += experiences.phase("fill" + f).duplicates();
            return new Report(broker, o.partitions(), o.completionTokens(), o.promptTokens(), generator.meanBytes(),
                    feedbackBytes, experiences.phase(UNPACED).meanBytes(), raw, unpaced, paced, pacedHops, o.rate(), snapshots,
                    capacity, graderBatch, grader.config().transactionLingerMs(),
                    o.commitIntervalMs() == null ? EOS_COMMIT_INTERVAL_MS : o.commitIntervalMs(),
                    o.streamThreads() == null ? 1 : o.streamThreads(),
                    o.retryBackoffMs() == null ? ClientConfigs.TRANSACTION_RETRY_BACKOFF_MS : o.retryBackoffMs(),
                    duplicates, logBytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                try {
                    open.get(i).close();
                } catch (Exception e) {
                    log.warn("Closing {} failed", open.get(i), e);
                }
            }
            deleteQuietly(state);
        }
    }

    private static void progressLine(PrintStream progress, ArrivalTail tail, String phase, int of) {
        progress.printf("  %s: %,d of %,d experiences%n", phase, tail.phase(phase).count(), of);
    }

    /** Publishes unpaced samples until {@code size} experiences have been produced in all; returns the new total. */
    private static long fillTo(int size, long produced, Generator generator, ArrivalTail experiences, Options o,
                               PrintStream progress, int fill) {
        if (produced >= size) return produced;
        int n = (int) (size - produced);
        String phase = "fill" + fill;
        progress.printf("filling the buffer to %,d entries: %,d samples...%n", size, n);
        generator.publish(phase, n, 0);
        experiences.await(phase, n, o.stall(), () -> progressLine(progress, experiences, phase, n));
        return size;
    }

    private static SnapshotCost snapshot(OnlineBuffer buffer, int repeats, PrintStream progress) {
        long entries = buffer.size();
        double[] ms = new double[repeats];
        double[] allDecoded = new double[repeats];
        int returned = 0;
        long tokens = 0;
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            BufferSnapshot s = buffer.snapshot(0);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            returned = s.size();
            // A second snapshot, so none of its entries is decoded yet; every one then decoded.
            long t1 = System.nanoTime();
            BufferSnapshot d = buffer.snapshot(0);
            for (Experience e : d.experiences()) tokens += e.getTokenIds().size();
            allDecoded[i] = (System.nanoTime() - t1) / 1e6;
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        Arrays.sort(allDecoded);
        SnapshotCost cost = new SnapshotCost(entries, returned, sorted[(repeats - 1) / 2], sorted[repeats - 1],
                allDecoded[(repeats - 1) / 2], repeats);
        if (tokens < 0) throw new AssertionError(); // keeps the decoding from being optimised away
        progress.printf("snapshot of %,d entries: %.1f ms, %.1f ms with all decoded (medians of %d)%n", entries,
                cost.medianMs(), cost.allDecodedMedianMs(), repeats);
        return cost;
    }

    private static Flow flow(String name, ArrivalTail.Phase phase, long firstSendMs) {
        double seconds = Math.max(1, phase.lastArrivalMs() - firstSendMs) / 1000.0;
        return new Flow(name, phase.count(), seconds, phase.quantileMs(0.50), phase.quantileMs(0.99));
    }

    private static String rawTopic(String run) {
        return "rltf-bench-raw-" + run.substring("bench-".length());
    }

    /** Bytes in the logs of the run's topics and the raw topic, summed over partitions and replicas, by topic. */
    private static Map<String, Long> logBytes(Map<String, Object> common, String run) {
        String rawTopic = rawTopic(run);
        try (TopicAdmin admin = TopicAdmin.create(common)) {
            List<Integer> brokers = admin.admin().describeCluster().nodes().get().stream().map(Node::id).toList();
            Map<String, Long> bytes = new HashMap<>();
            admin.admin().describeLogDirs(brokers).allDescriptions().get().values().forEach(dirs ->
                    dirs.values().forEach(dir -> dir.replicaInfos().forEach((partition, replica) -> {
                        if (partition.topic().contains(run) || partition.topic().equals(rawTopic))
                            bytes.merge(partition.topic(), replica.size(), Long::sum);
                    })));
            return bytes;
        } catch (ExecutionException e) {
            throw new KafkaException("Could not read the brokers' log sizes", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted reading the brokers' log sizes", e);
        }
    }

    /**
     * Plain KafkaProducer to KafkaConsumer, client defaults (acks=all, idempotent), byte[] values of the mean
     * serialised sample's size and keys like the samples', into a topic with the run's partitions: the same number
     * of records as the unpaced phase, the consumer reading while the producer sends, as the pipeline's do.
     */
    private static Flow raw(Map<String, Object> common, String run, Options o, double sampleBytes, PrintStream progress) {
        String topic = rawTopic(run);
        try (TopicAdmin admin = TopicAdmin.create(common)) {
            TopicAdmin.createIfMissing(admin.admin(), List.of(new NewTopic(topic, Optional.of(o.partitions()), Optional.empty())));
            admin.awaitVisible(List.of(topic));
        }
        int size = (int) Math.round(sampleBytes);
        progress.printf("raw Kafka: %,d records of %,d B...%n", o.samples(), size);
        SplittableRandom rng = new SplittableRandom(o.seed());
        byte[][] values = new byte[64][size];
        for (byte[] v : values) for (int i = 0; i < v.length; i++) v[i] = (byte) rng.nextInt(256);
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (ArrivalTail tail = new ArrivalTail(ClientConfigs.consumer(common, "rltf-bench-raw-consumer", Map.of()), topic);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientConfigs.producer(common,
                     "rltf-bench-raw-producer", Map.of()), new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = System.currentTimeMillis();
            for (int i = 0; i < o.samples() && failed.get() == null; i++) {
                byte[] key = (RAW + "/" + i).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), key, values[i % values.length]),
                        (meta, e) -> {
                            if (e != null) failed.compareAndSet(null, e);
                        });
            }
            producer.flush();
            if (failed.get() != null) throw new KafkaException("A raw Kafka send to " + topic + " failed", failed.get());
            tail.await(RAW, o.samples(), o.stall(), () -> {});
            return flow("raw Kafka: KafkaProducer -> KafkaConsumer, byte[] " + size + " B", tail.phase(RAW), start);
        }
    }

    private static double meanFeedbackBytes(Map<String, Object> common, Topics topics, SyntheticEvents events, String run) {
        try (AvroSerializer<Feedback> serializer = new AvroSerializer<>(ClientConfigs.serde(common), false)) {
            long bytes = 0;
            int n = 100;
            for (int i = 0; i < n; i++) {
                Sample s = events.sample(run, "size", i);
                Problem p = events.problems().stream().filter(q -> q.getId().equals(s.getProblemId())).findFirst().orElseThrow();
                bytes += serializer.serialize(topics.feedback(), Feedback.newBuilder(SyntheticEvents.feedback(p, s, "bench"))
                        .setRun(run).build()).length;
            }
            return (double) bytes / n;
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    log.debug("Could not delete {}", p, e);
                }
            });
        } catch (IOException e) {
            log.warn("Could not delete the buffer's state directory {}", dir, e);
        }
    }

    /**
     * The generator's side: samples serialised with the project's serde and published as the generator does
     * (transactional, acks=all, linger 5 ms), one transaction per batch through {@link Transactions#commit}.
     */
    private static final class Generator implements AutoCloseable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final AvroSerializer<Sample> serializer;
        private final StringSerializer keys = new StringSerializer();
        private final String run;
        private final String topic;
        private final SyntheticEvents events;
        private final int maxTransaction;
        private final Duration stall;
        private final int partitions;
        private long next;
        private long bytes;
        private long count;

        Generator(Map<String, Object> common, String run, String topic, SyntheticEvents events, int maxTransaction,
                  Duration stall) {
            String id = "rltf-bench-generator-" + run;
            this.serializer = new AvroSerializer<>(ClientConfigs.serde(common), false);
            this.producer = new KafkaProducer<>(ClientConfigs.transactionalProducer(common, id, id, Map.of(
                    ProducerConfig.LINGER_MS_CONFIG, 5)), new ByteArraySerializer(), new ByteArraySerializer());
            this.run = run;
            this.topic = topic;
            this.events = events;
            this.maxTransaction = maxTransaction;
            this.stall = stall;
            producer.initTransactions();
            this.partitions = producer.partitionsFor(topic).size();
        }

        /**
         * Publishes {@code n} samples of {@code phase} at {@code rate} per second (0: as fast as transactions commit),
         * each transaction holding the samples due by then (at most maxTransaction); returns the first send's
         * wall-clock time.
         */
        long publish(String phase, int n, double rate) {
            long start = System.nanoTime();
            long startMs = System.currentTimeMillis();
            int sent = 0;
            while (sent < n) {
                int due = rate > 0 ? (int) Math.min(n, (long) ((System.nanoTime() - start) * rate / 1e9) + 1) : n;
                if (due <= sent) {
                    LockSupport.parkNanos(start + (long) (sent * 1e9 / rate) - System.nanoTime());
                    continue;
                }
                int batch = Math.min(due - sent, maxTransaction);
                long first = next;
                long deadline = System.nanoTime() + stall.toNanos();
                Transactions.commit(producer, () -> records(phase, first, batch), log, "benchmark samples " + phase,
                        () -> System.nanoTime() > deadline);
                next += batch;
                sent += batch;
            }
            return startMs;
        }

        private List<ProducerRecord<byte[], byte[]>> records(String phase, long first, int n) {
            List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(n);
            for (long i = first; i < first + n; i++) {
                Sample s = events.sample(run, phase, i);
                byte[] value = serializer.serialize(topic, s);
                bytes += value.length;
                count++;
                // On its problem's partition, as the generator service sends it (Partitions.ofProblem).
                out.add(new ProducerRecord<>(topic, Partitions.ofProblem(s.getProblemId(), partitions),
                        System.currentTimeMillis(), keys.serialize(topic, s.getSampleId()), value));
            }
            return out;
        }

        double meanBytes() { return count == 0 ? 0 : (double) bytes / count; }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(10));
            serializer.close();
        }
    }
}
