package org.rltf.lab.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;

/**
 * The pipeline bench with tiny counts on the test broker: every number of the report is there and positive, and
 * the table prints each of them. Not a timing assertion.
 */
@ExtendWith(KafkaExtension.class)
class PipelineBenchTest {

    @Test
    void reportsEveryNumber(KafkaEnv env, @TempDir Path dir) {
        PipelineBench.Options options = new PipelineBench.Options(env.bootstrapServers(), env.schemaRegistryUrl(), dir,
                200, 10, 40, 60, List.of(120, 250), 2, 32, 16, 5, 8, 2, 20, null, 50L, 5, 20, 2, 1L, Duration.ofSeconds(90));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        PipelineBench.Report report = PipelineBench.run(options, new PrintStream(progress, true, StandardCharsets.UTF_8));

        for (PipelineBench.Flow f : List.of(report.raw(), report.unpaced(), report.paced())) {
            assertThat(f.records()).as(f.name()).isPositive();
            assertThat(f.seconds()).as(f.name()).isPositive();
            assertThat(f.perSecond()).as(f.name()).isPositive().isFinite();
            assertThat(f.p50Ms()).as(f.name()).isGreaterThanOrEqualTo(0).isFinite();
            assertThat(f.p99Ms()).as(f.name()).isGreaterThanOrEqualTo(f.p50Ms()).isFinite();
        }
        assertThat(report.raw().records()).isEqualTo(60);
        assertThat(report.unpaced().records()).isEqualTo(60);
        assertThat(report.paced().records()).isEqualTo(40);
        // Hop by hop: every paced sample seen committed at each stage, each stage no earlier than the one before it.
        assertThat(report.pacedHops()).hasSize(2).allSatisfy(h -> assertThat(h.records()).as(h.name()).isEqualTo(40));
        assertThat(report.pacedHops().get(0).p50Ms()).isLessThanOrEqualTo(report.pacedHops().get(1).p50Ms());
        assertThat(report.pacedHops().get(1).p50Ms()).isLessThanOrEqualTo(report.paced().p50Ms());
        assertThat(report.snapshots()).extracting(PipelineBench.SnapshotCost::entries).containsExactly(120L, 250L);
        assertThat(report.snapshots()).extracting(PipelineBench.SnapshotCost::returned).containsExactly(120, 250);
        assertThat(report.snapshots()).allSatisfy(s -> assertThat(s.medianMs()).isPositive().isFinite());
        assertThat(report.snapshots()).allSatisfy(s -> assertThat(s.allDecodedMedianMs()).isPositive().isFinite());
        assertThat(report.sampleBytes()).isPositive();
        assertThat(report.feedbackBytes()).isPositive();
        assertThat(report.experienceBytes()).isPositive();
        assertThat(report.throughputRatio()).isPositive().isFinite();
        assertThat(report.duplicates()).isZero();
        // Every sample is written at least as a sample, its feedback and its experience; raw writes each record once.
        assertThat(report.logBytes().perSampleByTopic()).containsKeys("samples", "feedback", "experience");
        assertThat(report.logBytes().rawPerRecord()).isPositive();
        assertThat(report.logBytes().perSample()).isGreaterThan(report.logBytes().rawPerRecord());

        ByteArrayOutputStream table = new ByteArrayOutputStream();
        report.print(new PrintStream(table, true, StandardCharsets.UTF_8));
        String printed = table.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("raw Kafka", "pipeline unpaced", "pipeline paced at 200 samples/s",
                "pipeline / raw Kafka throughput", "snapshot()", "log bytes written per unpaced sample");
        assertThat(printed).doesNotContain("NaN", "Infinity");
    }
}
