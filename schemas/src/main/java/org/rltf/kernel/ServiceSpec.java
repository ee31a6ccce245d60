package org.rltf.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * What the kernel knows of a service: its name, the keys it reads (one or more {@code ConfigDef}s: the service's
 * own, and those of parts it embeds, such as the learner's buffer and rewards), the names it used to accept, and
 * which prefixed Kafka-client keys it passes on. {@link ConfigContract} checks a configuration against it, and
 * {@link ServiceMain} and the {@code rltf} service commands print its help from it.
 *
 * <p>Immutable; build one with {@link #builder(String)} and keep it in a constant next to the service's config.
 */
public final class ServiceSpec {
    private final String name;
    private final String description;
    private final List<ConfigDef> defs;
    private final ConfigDef merged;
    private final Map<String, String> renamed;
    private final Map<String, Predicate<String>> clientPrefixes;

    private ServiceSpec(Builder b) {
        this.name = b.name;
        this.description = b.description;
        this.defs = List.copyOf(b.defs);
        this.merged = new ConfigDef();
        for (ConfigDef def : defs)
            for (ConfigDef.ConfigKey key : def.configKeys().values())
                if (!merged.names().contains(key.name)) merged.define(key);
        this.renamed = Collections.unmodifiableMap(new LinkedHashMap<>(b.renamed));
        this.clientPrefixes = Collections.unmodifiableMap(new LinkedHashMap<>(b.clientPrefixes));
        for (Map.Entry<String, String> r : renamed.entrySet())
            if (!merged.names().contains(r.getValue()))
                throw new IllegalArgumentException("renamed key " + r.getKey() + " -> " + r.getValue()
                        + ": the new name is not a key of " + name);
    }

    /** A spec for service {@code name} (e.g. "learner"), which names it in errors. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() { return name; }

    /** One line saying what the service does, for help text. */
    public String description() { return description; }

    /** Every key the service reads, in definition order (the first definition of a key wins). */
    public ConfigDef config() { return merged; }

    /** The ConfigDefs as given, e.g. to print them in groups. */
    public List<ConfigDef> defs() { return defs; }

    /** Old key name -> new key name; an old name is accepted with a deprecation warning. */
    public Map<String, String> renamed() { return renamed; }

    public Set<String> keys() { return merged.names(); }

    /**
     * The first segments of this service's dotted keys that are rltf service prefixes ({@code learner}, {@code buffer},
     * ...): a key under one of them that the service does not define is a typo, not another service's key.
     */
    public Set<String> ownPrefixes() {
        Set<String> own = new TreeSet<>();
        for (String key : merged.names()) {
            int dot = key.indexOf('.');
            if (dot > 0 && ConfigContract.SERVICE_PREFIXES.contains(key.substring(0, dot))) own.add(key.substring(0, dot));
        }
        return own;
    }

    /** Whether {@code key} is a prefixed client key this service passes on (e.g. {@code producer.linger.ms}). */
    boolean acceptsPrefixedClientKey(String key) {
        for (Map.Entry<String, Predicate<String>> p : clientPrefixes.entrySet())
            if (key.startsWith(p.getKey()) && p.getValue().test(key.substring(p.getKey().length()))) return true;
        return false;
    }

    /** The client prefixes this service passes on ({@code producer.}, {@code consumer.}, ...). */
    public Set<String> clientPrefixes() { return clientPrefixes.keySet(); }

    public static final class Builder {
        private final String name;
        private String description = "";
        private final List<ConfigDef> defs = new ArrayList<>();
        private final Map<String, String> renamed = new LinkedHashMap<>();
        private final Map<String, Predicate<String>> clientPrefixes = new LinkedHashMap<>();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name);
        }

        public Builder description(String description) {
            this.description = Objects.requireNonNull(description);
            return this;
        }

        /** Adds keys the service reads. */
        public Builder config(ConfigDef def) {
            defs.add(Objects.requireNonNull(def));
            return this;
        }

        /** Accepts {@code oldName} for {@code newName}, with a deprecation warning. */
        public Builder renamed(String oldName, String newName) {
            renamed.put(oldName, newName);
            return this;
        }

        /** Accepts {@code prefix + k} for every {@code k} that {@code valid} accepts, and passes it to that client. */
        public Builder clientPrefix(String prefix, Predicate<String> valid) {
            clientPrefixes.put(prefix, valid);
            return this;
        }

        /** {@code producer.*} overrides: any producer key. */
        public Builder producerOverrides() {
            return clientPrefix(ClientConfigs.PRODUCER_PREFIX, ClientConfigs.isClientKey(ProducerConfig.configNames()));
        }

        /** {@code consumer.*} overrides: any consumer key. */
        public Builder consumerOverrides() {
            return clientPrefix(ClientConfigs.CONSUMER_PREFIX, ClientConfigs.isClientKey(ConsumerConfig.configNames()));
        }

        public ServiceSpec build() {
            return new ServiceSpec(this);
        }
    }
}
