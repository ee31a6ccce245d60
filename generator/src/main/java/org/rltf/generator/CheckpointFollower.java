package org.rltf.generator;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.rltf.events.Checkpoint;
import org.rltf.kernel.DeadLetters;
import org.rltf.policy.CheckpointException;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyRuntime;
import org.rltf.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generator's weights, following the run's checkpoints (ARCHITECTURE.md, "Checkpoints").
 *
 * <p>A checkpoint event newer than the weights in use is adopted only if its directory lies in the checkpoint store
 * (when one is configured: an event must not make the generator read arbitrary paths) and every file matches the
 * event's sha256 and the directory's manifest. A checkpoint of the same model switches the weights in place; one of
 * another model (a different {@code ModelConfig}) loads a new policy and closes the old one. A checkpoint that fails
 * any check goes to the dead-letter topic with the reason, and the old weights stay: a bad event never stops the
 * generator. An event that is not newer is ignored.
 *
 * <p>Not thread-safe: the service thread offers checkpoints and samples with {@link #policy()} between rounds.
 */
final class CheckpointFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckpointFollower.class);

    /** What became of an offered checkpoint. */
    enum Outcome {
        /** Its weights are in use now. */
        ADOPTED,
        /** Not newer than the weights in use: nothing done. */
        IGNORED,
        /** It failed a check: dead-lettered, the old weights stay. */
        REFUSED
    }

    private final Path store;
    private final int maxNewTokens;
    private final Topics topics;
    private final DeadLetters deadLetters;
    private final GeneratorMetrics metrics;
    private final String serviceName;

    private Policy policy;
    private long version = -1;
    private long anchor;

    /**
     * @param store the checkpoint store as this machine sees it, absolute and normalized; null accepts any file: URI
     * @param maxNewTokens the completion length the generator samples, which a model's context must exceed
     */
    CheckpointFollower(Path store, int maxNewTokens, Topics topics, DeadLetters deadLetters,
                       GeneratorMetrics metrics, String serviceName) {
        this.store = store;
        this.maxNewTokens = maxNewTokens;
        this.topics = topics;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.serviceName = serviceName;
    }

    /** The weights in use, or null before the first checkpoint is adopted. */
    Policy policy() { return policy; }

    boolean hasPolicy() { return policy != null; }

    /** The policy version in use, -1 before the first checkpoint. */
    long version() { return version; }

    /** The record timestamp of the adopted checkpoint's event: the anchor of the samples' event time. */
    long anchor() { return anchor; }

    /**
     * Adopts {@code checkpoint} (read as {@code raw}) if it is newer and passes every check; dead-letters it (not
     * flushed) with the reason otherwise.
     *
     * @throws ConfigException when the model's context is too short for {@code generator.max.new.tokens}: the
     *         generator's configuration, not the event, is wrong
     */
    Outcome offer(ConsumerRecord<byte[], byte[]> raw, Checkpoint checkpoint) {
        if (checkpoint.getVersion() <= version) return Outcome.IGNORED;
        try {
            switchTo(checkpointDir(checkpoint.getUri(), store), checkpoint);
        } catch (CheckpointException e) {
            metrics.checkpointRefused();
            String reason = "checkpoint v" + checkpoint.getVersion() + " refused, keeping v" + version + ": "
                    + e.getMessage();
            log.warn("Generator {}: {}", serviceName, reason);
            deadLetters.publish(topics, raw, reason, e);
            return Outcome.REFUSED;
        }
        boolean first = version < 0;
        version = checkpoint.getVersion();
        anchor = raw.timestamp();
        metrics.checkpointAdopted();
        if (!first)
            log.info("Generator {} switched to checkpoint v{} (step {})", serviceName, version, checkpoint.getStep());
        return Outcome.ADOPTED;
    }

    private void switchTo(Path dir, Checkpoint checkpoint) {
        String sha256 = checkpoint.getSha256();
        if (policy == null) {
            policy = fitting(Policy.load(dir, sha256, PolicyRuntime.defaultDevice()));
        } else if (modelConfigOf(checkpoint).equals(policy.config())) {
            policy.loadWeights(dir, sha256); // verifies first: on failure the old weights are untouched
        } else {
            Policy other = fitting(Policy.load(dir, sha256, PolicyRuntime.defaultDevice()));
            policy.close();
            policy = other;
        }
    }

    /** {@code p}, if its context leaves room for a prompt; else it is closed and the configuration is at fault. */
    private Policy fitting(Policy p) {
        int context = p.config().context();
        if (maxNewTokens >= context) {
            p.close();
            throw new ConfigException(GeneratorConfig.MAX_NEW_TOKENS_CONFIG, maxNewTokens,
                    "must be less than the model's context " + context);
        }
        return p;
    }

    private static ModelConfig modelConfigOf(Checkpoint checkpoint) {
        try {
            return ModelConfig.fromJson(checkpoint.getModelConfig());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("the event's model config is unreadable: " + e.getMessage(), e);
        }
    }

    /**
     * The directory of a checkpoint's {@code file:} URI; {@link CheckpointException} when it is not one, or lies
     * outside {@code store} (null: anywhere).
     */
    static Path checkpointDir(String uri, Path store) {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new CheckpointException("checkpoint URI '" + uri + "' is not a URI", e);
        }
        if (!"file".equals(parsed.getScheme()))
            throw new CheckpointException("checkpoint URI '" + uri + "' is not a file: URI");
        Path dir;
        try {
            dir = Path.of(parsed).toAbsolutePath().normalize();
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            throw new CheckpointException("checkpoint URI '" + uri + "' names no local directory: " + e.getMessage(), e);
        }
        if (store != null && !dir.startsWith(store))
            throw new CheckpointException("checkpoint " + dir + " lies outside "
                    + GeneratorConfig.CHECKPOINT_STORE_DIR_CONFIG + "=" + store);
        return dir;
    }

    @Override
    public void close() {
        if (policy != null) policy.close();
        policy = null;
    }
}
