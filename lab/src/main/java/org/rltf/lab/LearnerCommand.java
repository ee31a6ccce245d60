package org.rltf.lab;

import java.util.LinkedHashMap;
import java.util.Map;

import org.rltf.learner.LearnerConfig;
import org.rltf.learner.LearnerService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rltf learner}: runs the learner (with its embedded online buffer) until it reaches --steps or is stopped. */
@Command(name = "learner", mixinStandardHelpOptions = true,
        description = "Train a run's policy with RLTF from its online buffer: supervised and RL micro-batches per "
                + "step, a checkpoint every --checkpoint-interval steps; resumes from the newest checkpoint.")
public final class LearnerCommand implements Runnable {

    @Option(names = "--run", required = true, description = "The run to train.")
    String run;

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka brokers, host:port[,host:port].")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", required = true, description = "The schema registry's URL.")
    String schemaRegistryUrl;

    @Option(names = "--checkpoint-dir", description = "The checkpoint store (default: ./checkpoints).")
    String checkpointDir;

    @Option(names = "--steps", description = "Stop after this optimizer step (default: 1000).")
    Long steps;

    @Option(names = {"-K", "--checkpoint-interval"}, description = "A checkpoint every K steps (default: 50).")
    Integer checkpointInterval;

    @Option(names = "--preset", description = "Shape of a fresh model: tiny, small or base (default: tiny).")
    String preset;

    @Option(names = "--lr", description = "Peak learning rate (default: 2e-6, the paper's).")
    Double lr;

    @Option(names = "--seed", description = "Run seed (default: 42).")
    Long seed;

    @Option(names = {"-c", "--config"}, description = "Any other learner, buffer (buffer.*), reward (reward.*) or "
            + "client setting, key=value (repeatable), e.g. -c rl.batch=16 -c reward.fine.enabled=false. `java -cp "
            + "rltf.jar org.rltf.learner.LearnerService --help` lists the learner's keys.")
    Map<String, String> extra = new LinkedHashMap<>();

    @Override
    public void run() {
        Map<String, Object> config = new LinkedHashMap<>(extra);
        config.put(LearnerConfig.RUN_CONFIG, run);
        config.put(LearnerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(LearnerConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        if (checkpointDir != null) config.put(LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG, checkpointDir);
        if (steps != null) config.put(LearnerConfig.STEPS_CONFIG, steps);
        if (checkpointInterval != null) config.put(LearnerConfig.CHECKPOINT_INTERVAL_CONFIG, checkpointInterval);
        if (preset != null) config.put(LearnerConfig.MODEL_PRESET_CONFIG, preset);
        if (lr != null) config.put(LearnerConfig.LR_CONFIG, lr);
        if (seed != null) config.put(LearnerConfig.SEED_CONFIG, seed);
        LearnerService.runUntilShutdown(config);
    }
}
