package org.rltf.lab.run;

import java.nio.file.Path;
import java.util.Map;

/**
 * Everything a lab run is given: where it lives, what it trains on, its budget and the recipe. {@link LabConfigs}
 * turns it into each service's configuration; the warm-up cache key ({@link Warmup}) is a digest of the part that
 * determines the warm-up.
 *
 * @param runDir          {@code runs/<run>}: checkpoints, logs, evaluations, summary
 * @param epochMs         the run's epoch: the one wall-clock read, recorded as the time of its first events
 * @param minutes         the online phase's wall-clock budget (0 = none: stop at {@code steps})
 * @param warmupSteps     supervised warm-up optimizer steps
 * @param warmupLr        the warm-up's peak learning rate
 * @param lr              the online phase's peak learning rate (both arms)
 * @param evalEvery       the evaluator evaluates every this many checkpoint versions during the online phase
 * @param baseline        the RL baseline: greedy, group-mean or none
 * @param testsOnlyWeight how often the generator samples a problem without references per time it samples one with
 * @param rlWeight        lambda in L = lambda * L_rl + L_sl
 * @param negativeScale   reward.negative.scale of the RLTF arm: the share of itself a negative part of A_t counts
 * @param selfImitation   learner.rl.success.share of the RLTF arm: the RL batch's share drawn from passes kept
 * @param rlDraw          learner.rl.draw of the RLTF arm: uniform, or signal (only experiences with A_t != 0)
 * @param overrides       {@code -c key=value}: each goes to the services whose keys include it
 */
public record LabSettings(String run, Path runDir, long epochMs, long seed, String problems, int trainProblems,
                          int testProblems, double testsOnlyShare, String preset, int warmupSteps, int warmupBatch,
                          double warmupLr, long steps, double minutes, int checkpointInterval, int samplesPerProblem,
                          int batchProblems, int maxNewTokens, float temperature, int graders, double lr, int rlBatch,
                          int slBatch, int evalN, int evalEvery, boolean compare, int threads, String baseline,
                          int testsOnlyWeight, double rlWeight, double negativeScale, double selfImitation,
                          String rlDraw, Map<String, String> overrides) {
    public LabSettings {
        overrides = Map.copyOf(overrides);
    }

    public Path checkpoints() { return runDir.resolve("checkpoints"); }

    public Path logs() { return runDir.resolve("logs"); }

    public Path evaluations() { return runDir.resolve("evaluations"); }

    /** The supervised-only arm's run name. */
    public String slRun() { return run + "-sl"; }
}
