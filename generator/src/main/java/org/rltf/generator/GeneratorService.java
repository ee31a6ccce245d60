package org.rltf.generator;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.rltf.events.Checkpoint;
import org.rltf.events.DeadLetter;
import org.rltf.events.LearnerStep;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.RecordDecoder;
import org.rltf.kernel.Seeds;
import org.rltf.kernel.Service;
import org.rltf.kernel.ServiceMain;
import org.rltf.policy.CheckpointException;
import org.rltf.policy.Completion;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyRuntime;
import org.rltf.policy.SamplingParams;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;
import org.rltf.schemas.serde.SchemaRegistryClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generator service: training problems in, sampled programs out (RLTF-METHOD.md section 5).
 *
 * <p>Each round takes the next {@code batch.problems} training problems (in problem-id order, round robin) and
 * samples, with the newest checkpoint it has, one greedy program per problem (temperature 0, the baseline of
 * section 4) and then {@code samples.per.problem} programs per problem at {@code temperature} / {@code top.p}. They
 * are published to {@code samples}, keyed by sample id ({@link SampleIds}), greedy first, with the prompt tokens,
 * completion tokens, per-token character offsets and log-probs, the policy version, and the seed of the sampler
 * row that drew each one. Record timestamps come from {@link EventClock}, a logical clock anchored on checkpoint
 * event times: no wall clock decides anything here.
 *
 * <p>Between rounds (never inside one) it reads the control topics with {@code read_committed}: new problems, new
 * checkpoints and the learner's committed steps. A checkpoint newer than the one in use is checked against its
 * event's sha256 (every file against the manifest) and the weights are switched in place; one that fails the
 * check, or lies outside {@code checkpoint.store.dir}, goes to the dead-letter topic with the reason and the old
 * weights stay. Records that cannot be decoded are dead-lettered too, and the service carries on.
 *
 * <p>Backpressure: {@link RateLimiter} keeps the generator within a samples-per-learner-step ratio of the learner.
 *
 * <p>Restart: the generator adopts the newest valid checkpoint, finds its own samples of that version in the
 * samples topic (by key, from the checkpoint's timestamp on), and continues their round count and clock, so no
 * sample id is ever reused. Publishing is at-least-once with an idempotent producer; a sample published just before
 * a crash is not repeated because the round count continues after it.
 */
public final class GeneratorService implements Service {
    private static final Logger log = LoggerFactory.getLogger(GeneratorService.class);

    private final GeneratorConfig config;
    private final Topics topics;
    private final String serviceName;
    private final SchemaRegistryClient registry;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> control;
    private final Serializer<Sample> sampleSerializer;
    private final Serializer<DeadLetter> deadLetterSerializer;
    private final StringSerializer keySerializer = new StringSerializer();
    private final DeadLetters deadLetters;
    private final RecordDecoder<String, Problem> problemDecoder;
    private final RecordDecoder<String, Checkpoint> checkpointDecoder;
    private final RecordDecoder<String, LearnerStep> stepDecoder;
    private final RateLimiter limiter;
    private final EventClock clock;
    private final Set<String> splits;

    private final TreeMap<String, Problem> problems = new TreeMap<>();
    private Policy policy;
    private long version = -1;
    private long anchor;
    private long round;
    private long cursor;

    private final MeterRegistry meters;
    private final Counter samplesCounter;
    private final Counter roundsCounter;
    private final Counter switchesCounter;
    private final Counter rejectedCheckpoints;
    private final Counter deadLettered;
    private final Timer roundTimer;

    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private volatile long publishedVersion = -1;
    private volatile long roundsDone;

    private long lastProgressNanos = System.nanoTime();
    private boolean waitingLogged;

    public GeneratorService(Map<String, ?> configs) {
        this(configs, new SimpleMeterRegistry());
    }

    /** Validates the config (a bad value fails here, naming its key) and creates the clients; nothing runs yet. */
    public GeneratorService(Map<String, ?> configs, MeterRegistry meters) {
        this.config = new GeneratorConfig(configs);
        this.topics = config.topics();
        this.serviceName = "generator/" + config.generatorId();
        this.meters = meters;
        this.splits = new HashSet<>(config.problemsSplits());
        this.limiter = new RateLimiter(config.rateLimitSamplesPerStep(), config.rateLimitErrorBuffer());
        this.clock = new EventClock(config.eventTimeTickMs());

        Map<String, Object> serdeConfig = new HashMap<>(configs);
        serdeConfig.put(GeneratorConfig.SCHEMA_REGISTRY_URL_CONFIG, config.schemaRegistryUrl());
        this.registry = SchemaRegistryClient.create(serdeConfig);
        this.sampleSerializer = AvroSerdes.serde(Sample.class, registry, serdeConfig, false).serializer();
        this.deadLetterSerializer = AvroSerdes.serde(DeadLetter.class, registry, serdeConfig, false).serializer();
        StringDeserializer keys = new StringDeserializer();
        this.problemDecoder = new RecordDecoder<>(keys,
                AvroSerdes.serde(Problem.class, registry, serdeConfig, false).deserializer());
        this.checkpointDecoder = new RecordDecoder<>(keys,
                AvroSerdes.serde(Checkpoint.class, registry, serdeConfig, false).deserializer());
        this.stepDecoder = new RecordDecoder<>(keys,
                AvroSerdes.serde(LearnerStep.class, registry, serdeConfig, false).deserializer());

        String tag = config.run();
        this.samplesCounter = Counter.builder("rltf.generator.samples").tag("run", tag)
                .description("Samples published").register(meters);
        this.roundsCounter = Counter.builder("rltf.generator.rounds").tag("run", tag)
                .description("Rounds published").register(meters);
        this.switchesCounter = Counter.builder("rltf.generator.checkpoints.adopted").tag("run", tag)
                .description("Checkpoints switched to").register(meters);
        this.rejectedCheckpoints = Counter.builder("rltf.generator.checkpoints.rejected").tag("run", tag)
                .description("Checkpoint events refused (bad digest, unreadable, outside the store)").register(meters);
        this.deadLettered = Counter.builder("rltf.generator.dead.letters").tag("run", tag)
                .description("Records sent to the dead-letter topic").register(meters);
        this.roundTimer = Timer.builder("rltf.generator.round").tag("run", tag)
                .description("Time to sample and publish one round").register(meters);

        this.producer = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
        this.deadLetters = new DeadLetters(producer, deadLetterSerializer, serviceName);
        this.control = new KafkaConsumer<>(consumerConfig("control"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    public GeneratorConfig config() { return config; }

    public MeterRegistry meterRegistry() { return meters; }

    /** The failure that stopped {@link #run()}, or null. */
    public Throwable failure() { return failure; }

    /** The policy version of the newest published round, -1 before the first. */
    public long publishedVersion() { return publishedVersion; }

    public long rounds() { return roundsDone; }

    /** Generates until {@link #close()}, {@code max.rounds}, or a fatal error (rethrown). */
    @Override
    public void run() {
        if (!started.compareAndSet(false, true)) throw new IllegalStateException("GeneratorService already ran");
        if (closing.get()) throw new IllegalStateException("GeneratorService was closed before it ran");
        try {
            assignControlTopics();
            catchUp();
            log.info("Generator {} on run {}: {} training problems, policy version {}, round {}, {}",
                    serviceName, config.run(), problems.size(), version, round, limiter);
            while (!closing.get() && (config.maxRounds() == 0 || roundsDone < config.maxRounds())) {
                pollControl(Duration.ZERO);
                if (policy == null || problems.isEmpty()) {
                    pollControl(Duration.ofMillis(config.pollTimeoutMs()));
                    continue;
                }
                List<Problem> chunk = nextChunk();
                int n = chunk.size() * (config.samplesPerProblem() + 1);
                if (!limiter.tryAcquire(n)) {
                    if (!waitingLogged) {
                        log.info("Generator {} waits for the learner: {}", serviceName, limiter);
                        waitingLogged = true;
                    }
                    pollControl(Duration.ofMillis(config.pollTimeoutMs()));
                    continue;
                }
                waitingLogged = false;
                cursor += chunk.size();
                publishRound(chunk);
                logProgressIfDue();
            }
        } catch (WakeupException e) {
            if (!closing.get()) {
                failure = e;
                throw e;
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error("Generator {} stopped on an unrecoverable error", serviceName, e);
            throw e;
        } finally {
            logProgress();
            closeClients();
            stopped.countDown();
        }
    }

    // ---- control topics: problems, checkpoints, learner steps ----------------------------------------------

    private void assignControlTopics() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.problems(), topics.checkpoints(), topics.learnerSteps()))
            partitions.addAll(partitionsOf(control, topic));
        control.assign(partitions);
        control.seekToBeginning(partitions);
    }

    /**
     * Reads the control topics to their current ends, then adopts the newest checkpoint that verifies (older ones
     * are not loaded one by one) and resumes this generator's round count and clock under it.
     */
    private void catchUp() {
        Map<TopicPartition, Long> ends = control.endOffsets(control.assignment());
        List<ConsumerRecord<byte[], byte[]>> checkpoints = new ArrayList<>();
        while (!closing.get() && !reached(ends)) {
            for (ConsumerRecord<byte[], byte[]> raw : control.poll(Duration.ofMillis(config.pollTimeoutMs()))) {
                if (raw.topic().equals(topics.checkpoints())) checkpoints.add(raw);
                else handleControl(raw);
            }
        }
        // Newest first; a bad one is dead-lettered and the next older one is tried.
        for (int i = checkpoints.size() - 1; i >= 0 && policy == null; i--) handleControl(checkpoints.get(i));
        flushDeadLetters();
        if (policy != null) resumeRounds();
        limiter.resumeAt(limiter.learnerStep());
    }

    private boolean reached(Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet())
            if (control.position(end.getKey()) < end.getValue()) return false;
        return true;
    }

    private void pollControl(Duration timeout) {
        ConsumerRecords<byte[], byte[]> records = control.poll(timeout);
        for (ConsumerRecord<byte[], byte[]> raw : records) handleControl(raw);
        if (!records.isEmpty()) flushDeadLetters();
    }

    private void handleControl(ConsumerRecord<byte[], byte[]> raw) {
        if (raw.topic().equals(topics.problems())) {
            if (raw.value() == null) { // a tombstone deletes the problem from the compacted topic
                problems.remove(new String(raw.key() == null ? new byte[0] : raw.key(),
                        java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            problemDecoder.decodeOrDeadLetter(raw, deadLetters).ifPresentOrElse(r -> {
                Problem p = r.value();
                if (splits.contains(p.getSplit())) problems.put(p.getId(), p);
                else problems.remove(p.getId());
            }, deadLettered::increment);
        } else if (raw.topic().equals(topics.checkpoints())) {
            checkpointDecoder.decodeOrDeadLetter(raw, deadLetters)
                    .ifPresentOrElse(r -> adopt(raw, r.value()), deadLettered::increment);
        } else if (raw.topic().equals(topics.learnerSteps())) {
            stepDecoder.decodeOrDeadLetter(raw, deadLetters)
                    .ifPresentOrElse(r -> limiter.learnerProgress(r.value().getStep()), deadLettered::increment);
        }
    }

    /** Switches to a newer checkpoint after verifying it; a bad one is dead-lettered and the weights stay. */
    private void adopt(ConsumerRecord<byte[], byte[]> raw, Checkpoint c) {
        limiter.learnerProgress(c.getStep());
        if (c.getVersion() <= version) return;
        try {
            Path dir = checkpointDir(c.getUri());
            if (policy == null) {
                policy = Policy.load(dir, c.getSha256(), PolicyRuntime.defaultDevice());
            } else if (ModelConfig.fromJson(c.getModelConfig()).equals(policy.config())) {
                policy.loadWeights(dir, c.getSha256());
            } else {
                Policy other = Policy.load(dir, c.getSha256(), PolicyRuntime.defaultDevice());
                policy.close();
                policy = other;
            }
            if (config.maxNewTokens() >= policy.config().context())
                throw new ConfigException(GeneratorConfig.MAX_NEW_TOKENS_CONFIG, config.maxNewTokens(),
                        "must be less than the model's context " + policy.config().context());
        } catch (CheckpointException | IllegalArgumentException e) {
            rejectedCheckpoints.increment();
            deadLettered.increment();
            String reason = "checkpoint v" + c.getVersion() + " refused, keeping v" + version + ": " + e.getMessage();
            log.warn("Generator {}: {}", serviceName, reason);
            deadLetters.publish(topics, raw, reason, e);
            return;
        }
        boolean first = version < 0;
        version = c.getVersion();
        anchor = raw.timestamp();
        round = 0;
        switchesCounter.increment();
        if (!first) log.info("Generator {} switched to checkpoint v{} (step {})", serviceName, version, c.getStep());
    }

    /** The directory of a file: URI, refused when it lies outside the configured checkpoint store. */
    private Path checkpointDir(String uri) {
        URI parsed;
        try {
            parsed = URI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint URI '" + uri + "' is not a URI", e);
        }
        if (!"file".equals(parsed.getScheme()))
            throw new IllegalArgumentException("checkpoint URI '" + uri + "' is not a file: URI");
        Path dir = Path.of(parsed).toAbsolutePath().normalize();
        Path store = config.checkpointStoreDir();
        if (store != null && !dir.startsWith(store))
            throw new IllegalArgumentException("checkpoint " + dir + " lies outside " + GeneratorConfig.CHECKPOINT_STORE_DIR_CONFIG
                    + "=" + store);
        return dir;
    }

    /** Continues this generator's round count and clock after its newest sample of the current version. */
    private void resumeRounds() {
        try (KafkaConsumer<String, byte[]> scan = new KafkaConsumer<>(consumerConfig("resume"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = partitionsOf(scan, topics.samples());
            scan.assign(partitions);
            Map<TopicPartition, Long> query = new HashMap<>();
            for (TopicPartition tp : partitions) query.put(tp, anchor);
            Map<TopicPartition, OffsetAndTimestamp> from = scan.offsetsForTimes(query);
            Map<TopicPartition, Long> ends = scan.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp o = from.get(tp);
                scan.seek(tp, o == null ? ends.get(tp) : o.offset());
            }
            long nextRound = 0;
            long newest = Long.MIN_VALUE;
            long found = 0;
            while (true) {
                boolean done = true;
                for (TopicPartition tp : partitions) done &= scan.position(tp) >= ends.get(tp);
                if (done) break;
                for (ConsumerRecord<String, byte[]> r : scan.poll(Duration.ofMillis(config.pollTimeoutMs()))) {
                    SampleIds id = SampleIds.parse(r.key()).orElse(null);
                    if (id == null || id.version() != version || !id.generatorId().equals(config.generatorId())) continue;
                    nextRound = Math.max(nextRound, id.round() + 1);
                    newest = Math.max(newest, r.timestamp());
                    found++;
                }
            }
            round = nextRound;
            if (found > 0) {
                clock.advanceTo(newest);
                log.info("Generator {} resumes at round {} of v{} after {} of its samples already published",
                        serviceName, round, version, found);
            }
        }
    }

    // ---- generation ------------------------------------------------------------------------------------------

    /** The next batch.problems problems in id order, round robin (fewer only when the run has fewer problems). */
    private List<Problem> nextChunk() {
        List<Problem> all = new ArrayList<>(problems.values());
        int size = Math.min(config.batchProblems(), all.size());
        List<Problem> chunk = new ArrayList<>(size);
        for (int i = 0; i < size; i++) chunk.add(all.get((int) ((cursor + i) % all.size())));
        return chunk;
    }

    private void publishRound(List<Problem> chunk) {
        long start = System.nanoTime();
        int k = config.samplesPerProblem();
        int keep = policy.config().context() - config.maxNewTokens();
        List<int[]> prompts = new ArrayList<>(chunk.size());
        for (Problem p : chunk) prompts.add(lastTokens(policy.tokenizer().encode(p.getPrompt()), keep));
        List<int[]> repeated = new ArrayList<>(chunk.size() * k);
        for (int[] prompt : prompts) for (int j = 0; j < k; j++) repeated.add(prompt);

        // Row i of a batch draws from a generator seeded (seed + i), so each sample records its own row's seed.
        long greedySeed = roundSeed(0);
        long sampledSeed = roundSeed(1);
        List<Completion> greedy = policy.sample(prompts,
                new SamplingParams(0f, 1f, config.maxNewTokens(), config.stopStrings(), greedySeed));
        List<Completion> sampled = policy.sample(repeated, new SamplingParams(config.temperature(), config.topP(),
                config.maxNewTokens(), config.stopStrings(), sampledSeed));

        for (int i = 0; i < chunk.size(); i++) {
            // Asked to stop: drop the rest of the round rather than wait out sends that may block (a broker that is
            // gone holds each one for max.block.ms). A restart treats the partial round as it treats a crash: it
            // continues with the next round number, so no sample id is reused.
            if (closing.get()) {
                log.info("Generator {} stops mid-round: {} of {} problems published", serviceName, i, chunk.size());
                return;
            }
            Problem p = chunk.get(i);
            send(sample(p, prompts.get(i), greedy.get(i), SampleIds.GREEDY, 0f, 1f, greedySeed + i, true));
            for (int j = 0; j < k; j++) {
                int row = i * k + j;
                send(sample(p, prompts.get(i), sampled.get(row), Integer.toString(j), config.temperature(),
                        config.topP(), sampledSeed + row, false));
            }
        }
        producer.flush();
        publishedVersion = version;
        round++;
        roundsDone++;
        roundsCounter.increment();
        samplesCounter.increment(chunk.size() * (k + 1));
        roundTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    /** Seed of one batch of a round: a hash of the run seed, generator, version, round and batch. */
    private long roundSeed(int batch) {
        long h = config.seed();
        h = Seeds.mix(h ^ config.generatorId().hashCode());
        h = Seeds.mix(h ^ version);
        h = Seeds.mix(h ^ round);
        h = Seeds.mix(h ^ batch);
        return h & 0x3fff_ffff_ffffL; // positive and far from overflow when rows are added
    }


    static int[] lastTokens(int[] ids, int keep) {
        return ids.length <= keep ? ids : Arrays.copyOfRange(ids, ids.length - keep, ids.length);
    }

    private Sample sample(Problem p, int[] prompt, Completion c, String index, float temperature, float topP, long seed,
                          boolean greedy) {
        return Sample.newBuilder()
                .setRun(config.run())
                .setSampleId(SampleIds.format(p.getId(), version, config.generatorId(), round, index))
                .setProblemId(p.getId())
                .setPolicyVersion(version)
                .setCompletion(c.text())
                .setPromptTokenIds(boxed(prompt))
                .setTokenIds(boxed(c.tokenIds()))
                .setTokenStarts(boxed(c.tokenStarts()))
                .setTokenEnds(boxed(c.tokenEnds()))
                .setLogProbs(boxed(c.logProbs()))
                .setTemperature(temperature)
                .setTopP(topP)
                .setSeed(seed)
                .setGreedy(greedy)
                .setFinishReason(c.finishReason())
                .setGeneratorId(config.generatorId())
                .build();
    }

    private void send(Sample s) {
        if (closing.get()) return; // see publishRound: the rest of the round is dropped at shutdown
        String topic = topics.samples();
        producer.send(new ProducerRecord<>(topic, null, clock.next(anchor),
                keySerializer.serialize(topic, s.getSampleId()), sampleSerializer.serialize(topic, s)));
    }

    private static List<Integer> boxed(int[] a) {
        List<Integer> l = new ArrayList<>(a.length);
        for (int v : a) l.add(v);
        return l;
    }

    private static List<Float> boxed(float[] a) {
        List<Float> l = new ArrayList<>(a.length);
        for (float v : a) l.add(v);
        return l;
    }

    private void flushDeadLetters() {
        deadLetters.flush();
    }

    private static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(60));
        if (infos == null || infos.isEmpty())
            throw new IllegalStateException("Topic " + topic + " does not exist: create the run's topics first");
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo info : infos) tps.add(new TopicPartition(topic, info.partition()));
        return tps;
    }

    // ---- progress, lifecycle ---------------------------------------------------------------------------------

    private void logProgressIfDue() {
        if (System.nanoTime() - lastProgressNanos >= TimeUnit.MILLISECONDS.toNanos(config.progressIntervalMs()))
            logProgress();
    }

    private void logProgress() {
        lastProgressNanos = System.nanoTime();
        log.info("Generator {}: {} rounds, {} samples, policy v{}, {} checkpoints refused, {} dead letters, "
                        + "mean round {} ms, {}", serviceName, roundsDone, (long) samplesCounter.count(), version,
                (long) rejectedCheckpoints.count(), (long) deadLettered.count(),
                String.format("%.0f", roundTimer.mean(TimeUnit.MILLISECONDS)), limiter);
    }

    /** Stops after the round in hand is published, then closes the clients and the model. */
    @Override
    public void close() {
        if (closing.getAndSet(true)) return;
        if (!started.get()) {
            closeClients();
            return;
        }
        control.wakeup();
        try {
            if (!stopped.await(5, TimeUnit.MINUTES)) log.warn("Generator {} did not stop within 5 minutes", serviceName);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeClients() {
        closeQuietly(control::close);
        closeQuietly(() -> producer.close(Duration.ofSeconds(10)));
        closeQuietly(sampleSerializer::close);
        closeQuietly(deadLetterSerializer::close);
        closeQuietly(registry::close);
        if (policy != null) closeQuietly(policy::close);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("Error while closing: {}", e.toString());
        }
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "rltf-generator-" + config.run() + "-" + config.generatorId());
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        c.putAll(config.originalsWithPrefix("producer."));
        return c;
    }

    private Map<String, Object> consumerConfig(String purpose) {
        return ClientConfigs.readCommittedConsumer(config.originals(),
                "rltf-generator-" + config.run() + "-" + config.generatorId() + "-" + purpose);
    }

    /**
     * Runs a generator until SIGTERM/SIGINT. Arguments are {@code key=value} entries (see {@link GeneratorConfig});
     * {@code --help} prints the keys.
     */
    public static void main(String[] args) {
        ServiceMain.main(GeneratorConfig.SPEC, args, GeneratorService::new);
    }

    /** Runs a generator on this thread until the JVM is asked to stop; for {@code main} and the CLI. */
    public static void runUntilShutdown(Map<String, ?> configs) {
        GeneratorService service = new GeneratorService(configs);
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "generator-shutdown"));
        service.run();
    }
}
