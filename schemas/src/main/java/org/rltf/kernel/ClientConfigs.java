package org.rltf.kernel;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.rltf.schemas.serde.AvroSerdeConfig;

/**
 * The one way a service builds its Kafka clients' configurations from its own configuration.
 *
 * <p>A client gets, in increasing precedence: the service's defaults for it (e.g. a transactional id,
 * {@code read_committed}), {@code bootstrap.servers} and the <em>common client keys</em> given at the top level of
 * the service's configuration, its client id, and the overrides under its prefix ({@code producer.},
 * {@code consumer.}, {@code admin.}). The common client keys are those every Kafka client understands: security
 * ({@code security.protocol}, {@code ssl.*}, {@code sasl.*}), timeouts, DNS and metadata settings. Given once at the
 * top level, they reach every client the service opens, so a service can join a SASL_SSL cluster with one set of
 * keys. A key that only one kind of client understands (e.g. {@code linger.ms}) must carry that client's prefix.
 */
public final class ClientConfigs {
    public static final String PRODUCER_PREFIX = "producer.";
    public static final String CONSUMER_PREFIX = "consumer.";
    public static final String ADMIN_PREFIX = "admin.";
    public static final String STREAMS_PREFIX = "streams.";

    /**
     * Keys every Kafka client (producer, consumer, admin) understands, other than {@code bootstrap.servers} and
     * {@code client.id}, which the kernel sets itself.
     */
    public static final Set<String> COMMON_CLIENT_KEYS;

    /** The serde's keys, which every service passes to its serializers and deserializers. */
    public static final Set<String> SERDE_KEYS = AvroSerdeConfig.CONFIG.names();

    static {
        Set<String> common = new TreeSet<>(ProducerConfig.configNames());
        common.retainAll(ConsumerConfig.configNames());
        common.retainAll(AdminClientConfig.configNames());
        common.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        common.remove(CommonClientConfigs.CLIENT_ID_CONFIG);
        COMMON_CLIENT_KEYS = Set.copyOf(common);
    }

    private ClientConfigs() {
    }

    /** Whether {@code key} is a common client key: a security family key ({@code ssl.*}, {@code sasl.*}) or one of {@link #COMMON_CLIENT_KEYS}. */
    public static boolean isCommonClientKey(String key) {
        return COMMON_CLIENT_KEYS.contains(key) || isSecurityFamily(key);
    }

    /** Accepts the names of one client's ConfigDef, and the security families, which configNames() lists only in part. */
    public static Predicate<String> isClientKey(Set<String> names) {
        return key -> names.contains(key) || isSecurityFamily(key);
    }

    private static boolean isSecurityFamily(String key) {
        return key.startsWith("ssl.") || key.startsWith("sasl.");
    }

    /** {@code bootstrap.servers} and the common client keys of {@code config}. */
    public static Map<String, Object> common(Map<String, ?> config) {
        Map<String, Object> picked = new HashMap<>();
        config.forEach((k, v) -> {
            if (k.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) || isCommonClientKey(k)) picked.put(k, v);
        });
        return picked;
    }

    /** The entries of {@code config} under {@code prefix}, with the prefix removed. */
    public static Map<String, Object> withPrefix(Map<String, ?> config, String prefix) {
        Map<String, Object> picked = new HashMap<>();
        config.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) picked.put(k.substring(prefix.length()), v);
        });
        return picked;
    }

    /** A producer's config: {@code defaults} < common keys < client id < {@code producer.*} overrides. */
    public static Map<String, Object> producer(Map<String, ?> config, String clientId, Map<String, ?> defaults) {
        return build(config, clientId, defaults, PRODUCER_PREFIX);
    }

    /**
     * The first retry of a transactional producer's requests, in ms (retry.backoff.ms). A transaction that begins
     * right after the previous one committed is refused with CONCURRENT_TRANSACTIONS until the coordinator has
     * written the commit markers, a few ms on a local broker; at the client's 100 ms that wait was most of every
     * grader transaction (a batch of 16 committed in ~118 ms against ~33 ms at 10, measured on the embedded broker).
     * Retries back off exponentially from here up to retry.backoff.max.ms (1 s), so an unreachable broker is not
     * hammered.
     */
    public static final int TRANSACTION_RETRY_BACKOFF_MS = 10;

    /**
     * A transactional producer's config: idempotent, acks=all, {@code transactionalId},
     * {@link #TRANSACTION_RETRY_BACKOFF_MS}, then {@code defaults}, then as {@link #producer}.
     */
    public static Map<String, Object> transactionalProducer(Map<String, ?> config, String clientId,
                                                            String transactionalId, Map<String, ?> defaults) {
        Map<String, Object> d = new HashMap<>();
        d.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        d.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        d.put(ProducerConfig.ACKS_CONFIG, "all");
        d.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, TRANSACTION_RETRY_BACKOFF_MS);
        d.putAll(defaults);
        return producer(config, clientId, d);
    }

    /** A consumer's config: {@code defaults} < common keys < client id < {@code consumer.*} overrides. */
    public static Map<String, Object> consumer(Map<String, ?> config, String clientId, Map<String, ?> defaults) {
        return build(config, clientId, defaults, CONSUMER_PREFIX);
    }

    /**
     * A consumer without a group that reads a run's topics from the start, sees only committed transactions (the
     * services write transactionally, and an aborted record must never be acted on) and commits nothing.
     */
    public static Map<String, Object> readCommittedConsumer(Map<String, ?> config, String clientId) {
        return consumer(config, clientId, Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
    }

    /** An admin client's config: common keys < {@code admin.*} overrides. */
    public static Map<String, Object> admin(Map<String, ?> config, String clientId) {
        return build(config, clientId, Map.of(), ADMIN_PREFIX);
    }

    /** What a serializer or deserializer needs: the registry URL and the serde's other keys present in {@code config}. */
    public static Map<String, Object> serde(Map<String, ?> config) {
        Map<String, Object> picked = new HashMap<>();
        config.forEach((k, v) -> {
            if (SERDE_KEYS.contains(k)) picked.put(k, v);
        });
        return picked;
    }

    private static Map<String, Object> build(Map<String, ?> config, String clientId, Map<String, ?> defaults,
                                             String prefix) {
        Map<String, Object> c = new HashMap<>(defaults);
        c.putAll(common(config));
        if (clientId != null) c.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        c.putAll(withPrefix(config, prefix));
        return c;
    }
}
