package org.rltf.kernel;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's configuration keys as a checked contract: every key given to a service is one it reads, or start-up
 * fails naming the key and the nearest valid one ({@link UnknownConfigException}).
 *
 * <p><b>What a service accepts.</b> The keys of its {@link ServiceSpec} (which include the run keys of
 * {@link RunConfig}); the serde's keys ({@code auto.register.schemas}, ...); the common Kafka client keys
 * ({@link ClientConfigs#COMMON_CLIENT_KEYS}, {@code ssl.*}, {@code sasl.*}), which reach every client it opens; and
 * the prefixed client overrides its spec names ({@code producer.linger.ms}, {@code consumer.fetch.max.bytes}, ...).
 * A renamed key is accepted under its old name with a deprecation warning.
 *
 * <p><b>Where a configuration comes from</b> ({@link #resolve}), in increasing precedence: the ConfigDef defaults,
 * a properties file, environment variables, the command line.
 * <ul>
 *   <li>Environment: {@code RLTF_} + the key in upper case with '.' as '_' ({@code RLTF_LEARNER_LR} is
 *   {@code learner.lr}, {@code RLTF_BOOTSTRAP_SERVERS} is {@code bootstrap.servers}, {@code RLTF_BASIC_AUTH_USER_INFO} the serde's
 *   {@code basic.auth.user.info}); Kafka client keys through
 *   {@code RLTF_KAFKA_} ({@code RLTF_KAFKA_SECURITY_PROTOCOL} is {@code security.protocol},
 *   {@code RLTF_KAFKA_PRODUCER_LINGER_MS} is {@code producer.linger.ms}).</li>
 *   <li>A file and the environment may be shared by several services (one file, or one container environment, for a
 *   whole deployment), so a key that belongs to another rltf service ({@link #SERVICE_PREFIXES}) is skipped there,
 *   and so is an {@code RLTF_} variable that names no rltf key (e.g. the launcher's {@code RLTF_DATA}). A key under
 *   one of the service's own prefixes that it does not define is still an error: that is a typo.</li>
 *   <li>The command line is strict: every key must be the service's.</li>
 * </ul>
 */
public final class ConfigContract {
    private static final Logger log = LoggerFactory.getLogger(ConfigContract.class);

    /** The key prefixes of the rltf services and of the parts they embed. */
    public static final Set<String> SERVICE_PREFIXES = Set.of("grader", "generator", "learner", "evaluator",
            "buffer", "reward", "dashboard", "chaos");

    public static final String ENV_PREFIX = "RLTF_";
    public static final String ENV_KAFKA_PREFIX = "RLTF_KAFKA_";

    private ConfigContract() {
    }

    /**
     * Checks a configuration given as one map (the command line, or a caller that built it): every key must be
     * accepted by {@code spec}. Returns a copy with renamed keys under their new names.
     */
    public static Map<String, Object> check(ServiceSpec spec, Map<String, ?> originals) {
        Map<String, String> origin = new TreeMap<>();
        for (Object key : originals.keySet()) origin.put(String.valueOf(key), null);
        return check(spec, originals, origin);
    }

    private static Map<String, Object> check(ServiceSpec spec, Map<String, ?> originals, Map<String, String> origin) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : originals.entrySet()) {
            String key = e.getKey();
            String renamed = spec.renamed().get(key);
            if (renamed != null) {
                if (originals.containsKey(renamed)) {
                    log.warn("{}: '{}' is the old name of '{}', which is also set; using '{}'", spec.name(), key,
                            renamed, renamed);
                    continue;
                }
                log.warn("{}: configuration key '{}' is deprecated; use '{}'", spec.name(), key, renamed);
                key = renamed;
            }
            if (!accepts(spec, key)) throw new UnknownConfigException(spec.name(), key, origin.get(e.getKey()),
                    nearest(spec, key));
            out.put(key, e.getValue());
        }
        return out;
    }

    /** Whether {@code spec}'s service reads {@code key} (see the class comment). */
    public static boolean accepts(ServiceSpec spec, String key) {
        return spec.keys().contains(key) || spec.renamed().containsKey(key) || ClientConfigs.SERDE_KEYS.contains(key)
                || ClientConfigs.isCommonClientKey(key) || spec.acceptsPrefixedClientKey(key);
    }

    /**
     * The configuration of a service from its sources, CLI > environment > file > defaults (the defaults are the
     * ConfigDef's, applied when the config class parses the result). {@code file} may be null.
     */
    public static Map<String, Object> resolve(ServiceSpec spec, Map<String, String> cli, Path file, Map<String, String> env) {
        Map<String, Object> merged = new LinkedHashMap<>();
        Map<String, String> origin = new TreeMap<>();
        if (file != null) {
            fromFile(spec, file).forEach((k, v) -> {
                merged.put(k, v);
                origin.put(k, "from " + file);
            });
        }
        fromEnvironment(spec, env).forEach((k, v) -> {
            merged.put(k, v);
            origin.put(k, "from environment variable " + envName(k));
        });
        cli.forEach((k, v) -> {
            merged.put(k, v);
            origin.put(k, "from the command line");
        });
        return check(spec, merged, origin);
    }

    /** The entries of a properties file that are for this service (another service's keys are skipped). */
    public static Map<String, String> fromFile(ServiceSpec spec, Path file) {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(r);
        } catch (NoSuchFileException e) {
            throw new ConfigException("configuration file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new TreeMap<>();
        Set<String> own = spec.ownPrefixes();
        for (String key : props.stringPropertyNames()) {
            String value = props.getProperty(key).trim();
            if (!accepts(spec, key) && isOtherService(key, own)) {
                log.debug("{}: skipping '{}' of {}: another service's key", spec.name(), key, file);
                continue;
            }
            if (!accepts(spec, key))
                throw new UnknownConfigException(spec.name(), key, "in " + file, nearest(spec, key));
            out.put(key, value);
        }
        return out;
    }

    /** The environment variables that name this service's keys (see the class comment), as keys. */
    public static Map<String, String> fromEnvironment(ServiceSpec spec, Map<String, String> env) {
        Map<String, String> byEnvName = new TreeMap<>();
        for (String key : spec.keys()) byEnvName.put(envName(key), key);
        for (String key : spec.renamed().keySet()) byEnvName.putIfAbsent(envName(key), key);
        // The serde's keys are every service's too: RLTF_BASIC_AUTH_USER_INFO is basic.auth.user.info.
        for (String key : ClientConfigs.SERDE_KEYS) byEnvName.putIfAbsent(envName(key), key);
        Set<String> own = spec.ownPrefixes();
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ENV_PREFIX)) continue;
            String key = byEnvName.get(name);
            if (key != null) {
                out.put(key, e.getValue());
            } else if (name.startsWith(ENV_KAFKA_PREFIX)) {
                String clientKey = name.substring(ENV_KAFKA_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                if (!accepts(spec, clientKey))
                    throw new UnknownConfigException(spec.name(), clientKey, "from environment variable " + name,
                            nearest(spec, clientKey));
                out.put(clientKey, e.getValue());
            } else {
                String guess = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                int dot = guess.indexOf('.');
                // RLTF_LEARNER_LRR for a learner is a typo; RLTF_GRADER_... or RLTF_DATA are someone else's.
                if (dot > 0 && own.contains(guess.substring(0, dot)))
                    throw new UnknownConfigException(spec.name(), guess, "from environment variable " + name,
                            nearest(spec, guess));
            }
        }
        return out;
    }

    /** The environment variable of {@code key}: {@code learner.rl.batch} is {@code RLTF_LEARNER_RL_BATCH}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static boolean isOtherService(String key, Set<String> own) {
        int dot = key.indexOf('.');
        if (dot <= 0) return false;
        String prefix = key.substring(0, dot);
        return SERVICE_PREFIXES.contains(prefix) && !own.contains(prefix);
    }

    /**
     * The key of {@code spec} nearest to {@code key} by edit distance (ties: the first in sorted order), or a common
     * client or serde key if one is strictly nearer ({@code security.protocoll}: {@code security.protocol}), or null.
     */
    public static String nearest(ServiceSpec spec, String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Set<String> candidates : java.util.List.of(spec.keys(), ClientConfigs.COMMON_CLIENT_KEYS, ClientConfigs.SERDE_KEYS)) {
            for (String candidate : new java.util.TreeSet<>(candidates)) {
                int d = editDistance(key, candidate);
                if (d < bestDistance) {
                    best = candidate;
                    bestDistance = d;
                }
            }
        }
        return best;
    }

    /** Levenshtein distance (insert, delete, substitute: 1 each). */
    public static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
