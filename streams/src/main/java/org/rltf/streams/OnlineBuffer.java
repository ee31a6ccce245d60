package org.rltf.streams;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.rltf.events.Experience;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ClusterUnavailableException;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.Outages;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.TopicAdmin;
import org.rltf.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online buffer, embedded in the learner: runs {@link BufferTopology} in this JVM and answers snapshots from
 * its windowed store by interactive query (no network hop). One instance reads all partitions; several instances
 * of one application would each see only their own partitions' experiences.
 *
 * <p>A snapshot holds the newest {@code buffer.capacity} experiences that are inside the horizon (event time,
 * relative to the newest record in the store, never the wall clock) and at most {@code buffer.max.policy.lag}
 * versions behind the learner's current version; ordered by event time then sample id, so the same store gives
 * the same snapshot.
 */
public final class OnlineBuffer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OnlineBuffer.class);
    private static final Duration THREAD_RETRY = Duration.ofSeconds(2);
    private static final long WAIT_LOG_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final KafkaStreams streams;
    private final BufferConfig config;
    private final BufferEntry.Decoding decoding;
    private final DeadLetterPublisher deadLetters;
    private final String publisherId;
    private final String applicationId;
    private final String bootstrapServers;
    private final CountDownLatch running = new CountDownLatch(1);
    private volatile KafkaStreams.State state = KafkaStreams.State.CREATED;

    private OnlineBuffer(KafkaStreams streams, BufferConfig config, BufferEntry.Decoding decoding,
                         DeadLetterPublisher deadLetters, String publisherId, Map<String, Object> props) {
        this.decoding = decoding;
        this.applicationId = String.valueOf(props.get(StreamsConfig.APPLICATION_ID_CONFIG));
        this.bootstrapServers = String.valueOf(props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        this.streams = streams;
        this.config = config;
        this.deadLetters = deadLetters;
        this.publisherId = publisherId;
    }

    /**
     * Starts the buffer of {@code run}. {@code streamsConfig} needs bootstrap.servers and schema.registry.url, and
     * usually state.dir (RocksDB's native library is then loaded from {@code <state.dir>/native}: RocksDbLibrary);
     * application.id defaults to {@code rltf-<run>-buffer}. Set here unless the caller set them:
     * processing.guarantee=exactly_once_v2. Always set: the dead-letter handlers for deserialization and
     * processing errors.
     */
    private static final long CHANGELOG_EXTRA_RETENTION_MS = 10L * 365 * 24 * 60 * 60 * 1000;

    public static OnlineBuffer start(Map<String, Object> streamsConfig, String run, BufferConfig buffer,
                                     RewardConfig rewards) {
        Topics.validateRun(run);
        Map<String, Object> props = new HashMap<>(streamsConfig);
        for (String required : List.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "schema.registry.url"))
            if (props.get(required) == null)
                throw new ConfigException(required, null, "required to start the online buffer of run " + run);
        props.putIfAbsent(StreamsConfig.APPLICATION_ID_CONFIG, "rltf-" + run + "-buffer");
        props.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // Event time may be a logical clock far behind the wall clock, while the broker deletes changelog records by
        // wall-clock age (retention.ms = window retention + this). With Streams' default of one day a restarted
        // buffer could restore an empty store: keep the window stores' changelogs for ten years.
        props.putIfAbsent(StreamsConfig.WINDOW_STORE_CHANGE_LOG_ADDITIONAL_RETENTION_MS_CONFIG, CHANGELOG_EXTRA_RETENTION_MS);
        // Streams members do not leave their group on close, so a restarted (or crashed) buffer's partitions stay
        // with the old member until its session times out: 10 s instead of 45 s lets a restarted learner resume sooner.
        props.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        // Streams' producer is transactional like the services' (ClientConfigs.TRANSACTION_RETRY_BACKOFF_MS says why).
        String producerBackoff = StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG);
        if (!props.containsKey(producerBackoff) && !props.containsKey(ProducerConfig.RETRY_BACKOFF_MS_CONFIG))
            props.put(producerBackoff, ClientConfigs.TRANSACTION_RETRY_BACKOFF_MS);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        String publisherId = props.get(StreamsConfig.APPLICATION_ID_CONFIG) + "/" + UUID.randomUUID();
        props.put(DeadLetterHandler.RUN_CONFIG, run);
        props.put(DeadLetterHandler.PUBLISHER_CONFIG, publisherId);

        Object stateDir = props.get(StreamsConfig.STATE_DIR_CONFIG);
        if (stateDir != null) RocksDbLibrary.loadFrom(Path.of(stateDir.toString()).resolve("native"));

        DeadLetterPublisher deadLetters = new DeadLetterPublisher(run,
                "streams/" + props.get(StreamsConfig.APPLICATION_ID_CONFIG), props);
        DeadLetterPublisher.register(publisherId, deadLetters);
        try {
            BufferTopology.EventSerdes serdes = BufferTopology.EventSerdes.avro(props);
            int partitions;
            try (TopicAdmin admin = TopicAdmin.create(props)) {
                partitions = admin.eventPartitions(Topics.forRun(run));
            }
            Topology topology = BufferTopology.build(run, partitions, buffer, rewards, serdes);
            Properties properties = new Properties();
            properties.putAll(props);
            KafkaStreams streams = new KafkaStreams(topology, properties);
            BufferEntry.Decoding decoding = new BufferEntry.Decoding(Topics.forRun(run).experience(),
                    serdes.experience().deserializer());
            OnlineBuffer online = new OnlineBuffer(streams, buffer, decoding, deadLetters, publisherId, props);
            // A stream thread that died of an outage (the schema registry unreachable while a new schema id had to be
            // looked up, say) is replaced: its tasks restart from their last committed offsets, exactly once. Anything
            // else stops the buffer, and the learner with it.
            streams.setUncaughtExceptionHandler(e -> {
                if (!Outages.isTransient(e)) {
                    log.error("Online buffer of run {} stops: a stream thread failed", run, e);
                    return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                }
                log.warn("Online buffer of run {}: a stream thread failed on an outage ({}); replacing it in {} ms", run,
                        DeadLetters.bound(String.valueOf(e.getCause() == null ? e : e.getCause())), THREAD_RETRY.toMillis());
                try {
                    Thread.sleep(THREAD_RETRY.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            streams.setStateListener((now, before) -> {
                online.state = now;
                if (now == KafkaStreams.State.RUNNING) online.running.countDown();
                log.info("Online buffer of run {}: {} -> {}", run, before, now);
            });
            streams.start();
            return online;
        } catch (RuntimeException e) {
            DeadLetterPublisher.unregister(publisherId);
            deadLetters.close();
            throw e;
        }
    }

    /**
     * Waits until the application has reached RUNNING once; throws if it stops or fails first, or, naming the
     * cluster, if {@code timeout} passes.
     */
    public void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!running.await(100, TimeUnit.MILLISECONDS)) {
                KafkaStreams.State s = state;
                if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
                        || s == KafkaStreams.State.PENDING_ERROR || s == KafkaStreams.State.PENDING_SHUTDOWN)
                    throw new IllegalStateException("Online buffer stopped before running: " + s);
                if (System.nanoTime() > deadline)
                    throw new ClusterUnavailableException("The online buffer (Kafka Streams " + applicationId
                            + ") is not running after " + timeout.toMillis() / 1000.0 + " s (state " + s + "): is the "
                            + "Kafka cluster at " + bootstrapServers + " reachable? " + RunConfig.STARTUP_TIMEOUT_MS_CONFIG
                            + " sets how long a starting service waits.", new TimeoutException());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted waiting for the online buffer", e);
        }
    }

    public KafkaStreams.State state() { return state; }

    public BufferConfig config() { return config; }

    /** The buffer as the learner at {@code currentPolicyVersion} should see it now (see the class comment). */
    public BufferSnapshot snapshot(long currentPolicyVersion) {
        return read(experienceStore(), store -> snapshot(store, currentPolicyVersion, config, decoding));
    }

    /** Experiences currently in the horizon, whatever their policy version (for {@code buffer.min.fill}). */
    public long size() {
        return read(experienceStore(), store -> size(store, config));
    }

    /** Whether the buffer holds {@code buffer.min.fill} experiences, so RL training may start. */
    public boolean filled() {
        return size() >= config.minFill();
    }

    /** SANDBOX_ERROR feedback dropped so far (never rewarded), over all problems. */
    public long sandboxErrors() {
        StoreQueryParameters<ReadOnlyKeyValueStore<String, Long>> counts = StoreQueryParameters.fromNameAndType(
                BufferTopology.SANDBOX_ERROR_STORE, QueryableStoreTypes.keyValueStore());
        return read(counts, store -> {
            long n = 0;
            try (KeyValueIterator<String, Long> it = store.all()) {
                while (it.hasNext()) n += it.next().value;
            }
            return n;
        });
    }

    private static StoreQueryParameters<ReadOnlyWindowStore<String, byte[]>> experienceStore() {
        return StoreQueryParameters.fromNameAndType(BufferTopology.STORE, QueryableStoreTypes.windowStore());
    }

    // A store is unavailable while a rebalance moves or restores it, and while a stream thread that died of an outage
    // is replaced: wait as long as the application may still come back, logging now and then. A rebalance can also
    // begin after the store was handed out, in the middle of reading it (the chaos run's learner died of that right
    // after a broker restart), so the whole read is what is tried again, from the start.
    private <S, T> T read(StoreQueryParameters<S> parameters, Function<S, T> reading) {
        return read(parameters.storeName(), () -> streams.store(parameters), reading, () -> state);
    }

    /** The retry of {@link #read(StoreQueryParameters, Function)}, on any store lookup and application state. */
    static <S, T> T read(String storeName, Supplier<S> lookup, Function<S, T> reading,
                         Supplier<KafkaStreams.State> state) {
        long start = System.nanoTime();
        long lastLog = start;
        while (true) {
            try {
                return reading.apply(lookup.get());
            } catch (InvalidStateStoreException e) {
                KafkaStreams.State s = state.get();
                if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
                        || s == KafkaStreams.State.PENDING_ERROR || s == KafkaStreams.State.PENDING_SHUTDOWN) throw e;
                if (System.nanoTime() - lastLog > WAIT_LOG_NANOS) {
                    lastLog = System.nanoTime();
                    log.info("Online buffer: store {} unavailable for {} s ({}); waiting", storeName,
                            TimeUnit.NANOSECONDS.toSeconds(lastLog - start), s);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * The snapshot a store holds for a learner at {@code currentPolicyVersion}: the horizon counts back from the
     * newest record timestamp in the store (a window start t is inside when t > newest - horizon, as the store
     * itself counts retention); experiences of versions older than current - max lag are left out; of the rest the
     * newest {@code buffer.capacity} (by timestamp, then sample id) are kept. An experience stored twice (a
     * re-graded sample) counts once, at its newest time. Usable with any window store of this layout, e.g. a
     * TopologyTestDriver's.
     */
    public static BufferSnapshot snapshot(ReadOnlyWindowStore<String, byte[]> store, long currentPolicyVersion,
                                          BufferConfig config, BufferEntry.Decoding decoding) {
        Horizon h = horizon(store, config);
        long oldestVersion = currentPolicyVersion - config.maxPolicyLag();
        // Newest first, so no more than the capacity's worth is read.
        List<BufferEntry> kept = new ArrayList<>(Math.min(h.entries.size(), config.capacity()));
        for (int i = h.entries.size() - 1; i >= 0 && kept.size() < config.capacity(); i--) {
            Stored s = h.entries.get(i);
            BufferEntry e = decoding.entry(s.sampleId, s.timestamp, s.bytes);
            if (e.policyVersion() >= oldestVersion) kept.add(e);
        }
        Collections.reverse(kept);
        return new BufferSnapshot(kept, h.newest);
    }

    /** Experiences inside the horizon of {@code store}, any policy version (nothing is decoded). */
    public static long size(ReadOnlyWindowStore<String, byte[]> store, BufferConfig config) {
        return horizon(store, config).entries.size();
    }

    private record Stored(String sampleId, long timestamp, byte[] bytes) {}

    private record Horizon(long newest, List<Stored> entries) {}

    private static final Comparator<Stored> ORDER = Comparator.comparingLong(Stored::timestamp)
            .thenComparing(Stored::sampleId);

    private static Horizon horizon(ReadOnlyWindowStore<String, byte[]> store, BufferConfig config) {
        Map<String, Stored> latest = new HashMap<>();
        long newest = -1;
        try (KeyValueIterator<Windowed<String>, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Windowed<String>, byte[]> kv = it.next();
                long t = kv.key.window().start();
                newest = Math.max(newest, t);
                latest.merge(kv.key.key(), new Stored(kv.key.key(), t, kv.value),
                        (a, b) -> b.timestamp >= a.timestamp ? b : a);
            }
        }
        long after = newest - config.horizonMs();
        List<Stored> entries = new ArrayList<>();
        for (Stored s : latest.values()) if (s.timestamp > after) entries.add(s);
        entries.sort(ORDER);
        return new Horizon(newest, entries);
    }

    @Override
    public void close() {
        try {
            streams.close(Duration.ofSeconds(30));
        } finally {
            DeadLetterPublisher.unregister(publisherId);
            deadLetters.close();
        }
    }
}
