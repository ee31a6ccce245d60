package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.rltf.lab.LoopTestKit.read;
import static org.rltf.lab.LoopTestKit.values;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.events.Checkpoint;
import org.rltf.events.LearnerStep;
import org.rltf.lab.run.InProcessLoop;
import org.rltf.lab.run.LabConfigs;
import org.rltf.learner.LearnerConfig;
import org.rltf.learner.LearnerService;
import org.rltf.policy.Checkpoints;
import org.rltf.schemas.Topics;

/**
 * Kills the learner with SIGKILL in the middle of a checkpoint period (it runs in a child JVM) while generator
 * and grader keep running here, then restarts it: it continues from the newest committed checkpoint, and the
 * committed step numbers and checkpoint versions have no gap and no repeat.
 */
@ExtendWith(KafkaExtension.class)
class LearnerCrashTest {
    private static final int K = 3;

    @TempDir Path tmp;

    @Test
    void aKilledLearnerResumesFromItsNewestCheckpointWithoutGapOrRepeat(KafkaEnv env) throws Exception {
        String run = env.createRun("crash");
        Topics topics = Topics.forRun(run);
        LabConfigs d = LoopTestKit.configs(env, run, tmp.resolve("run"), 1000, K);
        LoopTestKit.importMbpp(env, d, 4);
        Map<String, Object> learnerConfig = d.rltfLearner(LoopTestKit.initCheckpoint(tmp.resolve("init")));
        // The killed learner's buffer state stays in <store>/<run>/buffer-state (learner.buffer.state.dir's default),
        // and the restarted one picks it up (same Streams process id).
        Path bufferState = d.settings().checkpoints().resolve(run).resolve("buffer-state");

        try (InProcessLoop loop = InProcessLoop.start(List.of(d.grader(0)), null, d.generator(), null,
                new SimpleMeterRegistry(), null, null)) {
            // The learner in a child JVM, told to go on for 1000 steps: only SIGKILL stops it.
            Path log = tmp.resolve("learner.log");
            Process child = startLearner(learnerConfig, log);
            long killedAfterStep;
            try {
                Pattern stepLine = Pattern.compile("Learner learner/" + Pattern.quote(run) + " step (\\d+) ");
                // Kill once it has taken a step past its first committed checkpoint: mid-period, nothing of it committed.
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    if (!child.isAlive()) throw new IllegalStateException("learner exited early:\n" + Files.readString(log));
                    return lastStep(log, stepLine).orElse(0) > K;
                });
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no commit
                child.waitFor();
                killedAfterStep = lastStep(log, stepLine).orElseThrow();
                assertThat(bufferState).as("the killed learner's buffer state").isDirectory();
            } finally {
                if (child.isAlive()) child.destroyForcibly().waitFor();
            }
            List<ConsumerRecord<String, Checkpoint>> before = read(env, topics.checkpoints(), Checkpoint.class);
            Checkpoint newest = before.get(before.size() - 1).value();
            long committedStep = newest.getStep();
            assertThat(committedStep % K).isZero();
            assertThat(killedAfterStep).as("killed mid-period: steps after the last commit were lost")
                    .isGreaterThan(committedStep);
            assertThat(values(read(env, topics.learnerSteps(), LearnerStep.class)))
                    .extracting(LearnerStep::getStep).doesNotContain(killedAfterStep);

            // Restart in this JVM; it must resume at committedStep + 1 with version newest + 1 next.
            Map<String, Object> again = new HashMap<>(learnerConfig);
            again.put(LearnerConfig.STEPS_CONFIG, Long.toString(committedStep + K + 1));
            LearnerService learner = new LearnerService(again);
            List<LearnerStep> seen = new ArrayList<>();
            learner.setListener(new LearnerService.Listener() {
                @Override public void onStep(LearnerStep step) { seen.add(step); }
            });
            learner.run();
            assertThat(learner.failure()).isNull();
            assertThat(seen.get(0).getStep()).isEqualTo(committedStep + 1);
            assertThat(seen.get(0).getPolicyVersion()).isEqualTo(newest.getVersion());
            assertThat(loop.failures()).isEmpty();
        }

        // Committed history: steps 1..N and versions 0..M exactly once each; each checkpoint closes its period.
        List<LearnerStep> steps = values(read(env, topics.learnerSteps(), LearnerStep.class));
        List<Checkpoint> checkpoints = values(read(env, topics.checkpoints(), Checkpoint.class));
        for (int i = 0; i < steps.size(); i++) assertThat(steps.get(i).getStep()).isEqualTo(i + 1);
        for (int i = 0; i < checkpoints.size(); i++) assertThat(checkpoints.get(i).getVersion()).isEqualTo(i);
        long last = steps.get(steps.size() - 1).getStep();
        assertThat(checkpoints.get(checkpoints.size() - 1).getStep()).isEqualTo(last);
        for (LearnerStep s : steps) {
            if (s.getCheckpointVersion() != null)
                assertThat(checkpoints.get(s.getCheckpointVersion().intValue()).getStep()).isEqualTo(s.getStep());
        }
        // The directory of the version the killed learner may have saved but never committed was rewritten.
        for (Checkpoint c : checkpoints)
            assertThat(Checkpoints.verify(Path.of(URI.create(c.getUri())), c.getSha256())).isEqualTo(c.getSha256());
    }

    private static Process startLearner(Map<String, Object> config, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        for (String p : List.of("ai.djl.offline", "ai.djl.default_engine", "rltf.shared.data")) {
            String v = System.getProperty(p);
            if (v != null) command.add("-D" + p + "=" + v);
        }
        command.add(LearnerService.class.getName());
        config.forEach((k, v) -> command.add(k + "=" + v));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        return pb.start();
    }

    private static OptionalLong lastStep(Path log, Pattern stepLine) throws IOException {
        if (!Files.exists(log)) return OptionalLong.empty();
        long last = -1;
        Matcher m = stepLine.matcher(Files.readString(log));
        while (m.find()) last = Long.parseLong(m.group(1));
        return last < 0 ? OptionalLong.empty() : OptionalLong.of(last);
    }
}
