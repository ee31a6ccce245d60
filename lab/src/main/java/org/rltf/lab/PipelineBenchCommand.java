package org.rltf.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import org.rltf.lab.bench.PipelineBench;
import org.rltf.lab.run.RunLogs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rltf bench pipeline}: the event path without a model or sandbox, next to raw Kafka on the same broker. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Synthetic samples of real size through the real serde and registry, the grader service's "
                + "transactional produce (synthetic verdicts, no sandbox), the Streams join and buffer and the learner's "
                + "snapshot; prints samples/s end to end, p50/p99 latency sample -> experience at a paced rate, the cost "
                + "of a buffer snapshot at each size, and raw KafkaProducer/KafkaConsumer throughput for records of the "
                + "same size on the same broker in the same run, with the ratio.")
public final class PipelineBenchCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "An external Kafka cluster (default: an embedded broker).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", description = "Its schema registry (default with --bootstrap-servers: an "
            + "in-process registry on that cluster).")
    String schemaRegistryUrl;

    @Option(names = "--rate", defaultValue = "1000", description = "Samples/s of the paced (latency) phase (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--paced-samples", defaultValue = "5000", description = "Samples of the paced phase (default: ${DEFAULT-VALUE}).")
    int pacedSamples;

    @Option(names = "--samples", defaultValue = "20000", description = "Samples of the unpaced (throughput) phase, and "
            + "records of the raw Kafka run (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--warmup-samples", defaultValue = "1000", description = "Unmeasured samples first (default: ${DEFAULT-VALUE}).")
    int warmupSamples;

    @Option(names = "--snapshot-sizes", split = ",", defaultValue = "6400,100000", description = "Buffer entries at "
            + "which snapshot() is timed; the buffer is filled to each (default: ${DEFAULT-VALUE}).")
    List<Integer> snapshotSizes;

    @Option(names = "--snapshot-repeats", defaultValue = "3", description = "Snapshots timed at each size; the median "
            + "is reported (default: ${DEFAULT-VALUE}).")
    int snapshotRepeats;

    @Option(names = "--completion-tokens", defaultValue = "256", description = "Tokens per completion (default: ${DEFAULT-VALUE}).")
    int completionTokens;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "Prompt token ids per sample (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--group-size", defaultValue = "5", description = "Samples per problem and round, the first greedy "
            + "(the generator's k + 1; default: ${DEFAULT-VALUE}).")
    int groupSize;

    @Option(names = "--problems", defaultValue = "64", description = "Synthetic problems (default: ${DEFAULT-VALUE}).")
    int problems;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the run's topics and of the raw "
            + "topic (default: ${DEFAULT-VALUE}, the topic layout's).")
    int partitions;

    @Option(names = "--transaction-samples", defaultValue = "250", description = "Most samples per generator "
            + "transaction (default: ${DEFAULT-VALUE}).")
    int maxTransaction;

    @Option(names = "--grader-batch", description = "grader.batch.max.records (default: the grader's).")
    Integer graderBatch;

    @Option(names = "--grader-linger-ms", description = "grader.transaction.linger.ms: how long a grader transaction "
            + "takes further batches already fetched (default: the grader's).")
    Long graderLingerMs;

    @Option(names = "--retry-backoff-ms", description = "retry.backoff.ms of the transactional producers (generator, "
            + "grader, Streams; default: the services', 10). A send right after a commit is refused with "
            + "CONCURRENT_TRANSACTIONS until the commit's markers are written, and retried after this backoff.")
    Integer retryBackoffMs;

    @Option(names = "--commit-interval-ms", description = "The buffer's Kafka Streams commit.interval.ms (the "
            + "learner's streams.commit.interval.ms; default: Streams' own under exactly-once, 100). Each commit "
            + "makes a batch of experiences visible on the experience topic.")
    Integer commitIntervalMs;

    @Option(names = "--stream-threads", description = "The buffer's Kafka Streams num.stream.threads (the learner's "
            + "streams.num.stream.threads; default: Streams' own, 1). Its tasks, one per partition, are spread over them.")
    Integer streamThreads;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic payloads (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--stall-seconds", defaultValue = "120", description = "Fail when no experience arrives for this "
            + "long (default: ${DEFAULT-VALUE}).")
    long stallSeconds;

    @Option(names = "--dir", defaultValue = "runs/bench-pipeline", description = "Logs (logs/pipeline.log) and the "
            + "buffer's state, removed afterwards (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--verbose", description = "Logs on the terminal too.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        Path logs = dir.resolve("logs");
        Files.createDirectories(logs);
        RunLogs.toFile(logs.resolve("pipeline.log"), verbose);
        PipelineBench.Options options;
        try {
            options = new PipelineBench.Options(bootstrapServers, schemaRegistryUrl, dir, rate, warmupSamples,
                    pacedSamples, samples, snapshotSizes, snapshotRepeats, completionTokens, promptTokens, groupSize,
                    problems, partitions, maxTransaction, graderBatch, graderLingerMs, retryBackoffMs, commitIntervalMs, streamThreads, seed, Duration.ofSeconds(stallSeconds));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        System.out.println("logs: " + logs.resolve("pipeline.log"));
        PipelineBench.Report report = PipelineBench.run(options, System.out);
        report.print(System.out);
        return 0;
    }
}
