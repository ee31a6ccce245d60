package org.rltf.grader.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Sample;
import org.rltf.grader.GraderConfig;
import org.rltf.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly once under SIGKILL: a grader in a child JVM is killed while a batch's transaction is open
 * (its feedback already in the log, uncommitted), a new grader under the same instance id takes over,
 * and read_committed readers still see exactly one Feedback per sample.
 */
@ExtendWith(KafkaExtension.class)
class GraderServiceCrashTest {
    private static final Logger log = LoggerFactory.getLogger(GraderServiceCrashTest.class);
    private static final int SAMPLES = 16;

    private static Process startGrader(KafkaEnv env, String run, Path logFile) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), GraderService.class.getName()));
        command.add("run=" + run);
        command.add("bootstrap.servers=" + env.bootstrapServers());
        command.add("schema.registry.url=" + env.schemaRegistryUrl());
        command.add(GraderServiceConfig.INSTANCE_ID_CONFIG + "=grader-0");
        command.add(GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG + "=4");
        command.add(GraderConfig.PARALLELISM_CONFIG + "=2");
        command.add(GraderServiceConfig.POLL_TIMEOUT_MS_CONFIG + "=100");
        command.add(GraderServiceConfig.PROGRESS_INTERVAL_MS_CONFIG + "=1000");
        command.add("consumer.session.timeout.ms=10000");
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
    }

    @Test
    void killMinus9MidBatchLosesAndDuplicatesNothing(KafkaEnv env, @TempDir Path tmp) throws Exception {
        String run = env.createRun("grader-crash");
        Topics topics = Topics.forRun(run);
        ServiceTestKit kit = new ServiceTestKit(env.clientConfig());
        // Slow enough (a second a program, two at a time, four a batch) that each transaction stays open
        // for about a second after its first feedback is written.
        kit.sendProblems(topics.problems(), ServiceTestKit.assertProblem("test/slow", "", "assert slow(2) == 2"));
        List<ProducerRecord<String, Sample>> records = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            String id = "s-" + i;
            String program = "import time\ndef slow(x):\n    time.sleep(1.0)\n    return x" + (i % 3 == 0 ? " + 1" : "") + "\n";
            records.add(new ProducerRecord<>(topics.samples(), null, 1_000L + i, id,
                    ServiceTestKit.sample(run, id, "test/slow", program)));
        }
        kit.send(topics.samples(), Sample.class, records);

        Path logFile = tmp.resolve("graders.log");
        List<Process> graders = new ArrayList<>();
        try (ServiceTestKit.Tail committed = kit.tail(topics.feedback(), true);
             ServiceTestKit.Tail written = kit.tail(topics.feedback(), false)) {
            // Once a batch is committed, kill a grader while more feedback is in the log but not yet committed, i.e.
            // inside an open transaction, and start a new one under the same instance id. Should a kill land just after a commit, try again.
            boolean killedInsideTransaction = false;
            for (int attempt = 0; attempt < 3 && !killedInsideTransaction; attempt++) {
                Process grader = startGrader(env, run, logFile);
                graders.add(grader);
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10))
                        .until(() -> (committed.count() > 0 && written.count() > committed.count()) || committed.count() >= SAMPLES);
                if (committed.count() >= SAMPLES) break;
                grader.destroyForcibly(); // SIGKILL on Linux
                grader.waitFor();
                Thread.sleep(200); // let both tails see everything the dead grader wrote
                int c = committed.count();
                int w = written.count();
                killedInsideTransaction = w > c;
                log.info("Killed grader {} with {} of {} feedback committed and {} written", attempt + 1, c, SAMPLES, w);
            }
            assertThat(killedInsideTransaction).as("a kill landed inside an open transaction").isTrue();

            graders.add(startGrader(env, run, logFile));
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> kit.groupCaughtUp("rltf." + run + ".grader", topics.samples()));

            List<ConsumerRecord<String, Feedback>> feedback = kit.readAll(topics.feedback(), Feedback.class, true);
            Map<String, Long> perSample = feedback.stream()
                    .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            assertThat(perSample).hasSize(SAMPLES);
            assertThat(perSample.values()).allMatch(n -> n == 1L);
            for (ConsumerRecord<String, Feedback> r : feedback) {
                int i = Integer.parseInt(r.key().substring(2));
                assertThat(r.value().getOutcome()).as(r.key()).isEqualTo(i % 3 == 0 ? Outcome.FAILURE : Outcome.PASS);
                assertThat(r.timestamp()).isEqualTo(1_000L + i);
            }
            // The aborted feedback is in the log, visible only to read_uncommitted readers.
            assertThat(kit.readAll(topics.feedback(), Feedback.class, false).size()).isGreaterThan(SAMPLES);
        } catch (Throwable t) {
            log.error("Grader child output:\n{}", Files.exists(logFile) ? Files.readString(logFile) : "(none)");
            throw t;
        } finally {
            for (Process grader : graders) {
                grader.destroy(); // SIGTERM: a graceful stop (a no-op for the killed ones)
                if (!grader.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) grader.destroyForcibly();
            }
        }
    }
}
