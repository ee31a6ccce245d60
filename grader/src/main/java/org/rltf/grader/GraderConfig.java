package org.rltf.grader;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.rltf.data.Datasets;
import org.rltf.kernel.Validators;

/**
 * How the grader runs programs: interpreter, limits, parallelism, taxonomy and sandbox. Unknown keys
 * are ignored, so a service can pass its whole config map.
 */
public final class GraderConfig extends AbstractConfig {

    public static final String ID_CONFIG = "grader.id";
    private static final String ID_DOC = "This grader instance's id, copied into every Feedback's grader_id. "
            + "Empty: 'grader-' followed by the process id.";

    public static final String PYTHON_CONFIG = "grader.python";
    private static final String PYTHON_DOC = "The Python interpreter that runs programs (3.9 or newer): a command on "
            + "PATH or a path. It is resolved once at start-up to its real executable, whose installation is made "
            + "readable inside the sandbox.";

    public static final String TEST_TIMEOUT_MS_CONFIG = "grader.test.timeout.ms";
    private static final String TEST_TIMEOUT_MS_DOC = "Wall-clock limit of one test of a problem that sets no limit of "
            + "its own (time_limit_ms 0: the HumanEval, MBPP and APPS loaders set none, since those benchmarks have "
            + "none). A problem's own limit is used instead, scaled by grader.test.timeout.scale; either way "
            + "grader.program.timeout.ms bounds all tests of a program together. CPU time is limited to the same number "
            + "of seconds, rounded up, plus one. The grader logs the rule at start-up and rltf grade prints the limits used.";

    public static final String TEST_TIMEOUT_SCALE_CONFIG = "grader.test.timeout.scale";
    private static final String TEST_TIMEOUT_SCALE_DOC = "Factor on a problem's own time limit (time_limit_ms above 0, "
            + "e.g. EvalPlus's 4 s), for a machine slower (above 1) or faster (below 1) than the one the limit was made "
            + "for. grader.test.timeout.ms is used as it is, and a time measured by this grader "
            + "(grader.test.timeout.reference.factor) needs no scaling.";

    public static final String REFERENCE_TIMED_DATASETS_CONFIG = "grader.test.timeout.reference.datasets";
    private static final String REFERENCE_TIMED_DATASETS_DOC = "Datasets whose problems get the time limit EvalPlus "
            + "uses: max(the problem's limit, grader.test.timeout.reference.factor x the time its first reference "
            + "solution takes on the same tests). This grader times each such reference once, in its sandbox, before "
            + "the first program of that problem (grading the reference itself is its timing run); a problem without a "
            + "reference keeps its own limit.";

    public static final String REFERENCE_FACTOR_CONFIG = "grader.test.timeout.reference.factor";
    private static final String REFERENCE_FACTOR_DOC = "EvalPlus's factor on the reference solution's time "
            + "(--gt-time-limit-factor, 4) for the datasets in grader.test.timeout.reference.datasets; 0: time no "
            + "reference (their problems keep their own limit).";

    public static final String PROGRAM_TIMEOUT_MS_CONFIG = "grader.program.timeout.ms";
    private static final String PROGRAM_TIMEOUT_MS_DOC = "Wall-clock limit of all tests of one program together. "
            + "Tests that cannot start before it runs out are NOT_RUN, and the program is a RUNTIME_ERROR (Timeout). It caps "
            + "every test's limit too (EvalPlus caps one task at 60 s, EVALPLUS_TIMEOUT_PER_TASK: set 60000 to match).";

    public static final String PARALLELISM_CONFIG = "grader.parallelism";
    private static final String PARALLELISM_DOC = "Programs graded at once: one warm sandboxed Python worker each. "
            + "Default: the number of available processors.";

    public static final String MEMORY_LIMIT_MB_CONFIG = "grader.memory.limit.mb";
    private static final String MEMORY_LIMIT_MB_DOC = "Address-space limit (RLIMIT_AS) of each test process, MiB, "
            + "including the interpreter itself (about 50 MiB).";

    public static final String OUTPUT_LIMIT_BYTES_CONFIG = "grader.output.limit.bytes";
    private static final String OUTPUT_LIMIT_BYTES_DOC = "Bytes a test may write to stdout and stderr together before "
            + "it is killed (OutputLimitExceeded). A test whose expected output is larger gets twice that.";

    public static final String FILE_SIZE_LIMIT_BYTES_CONFIG = "grader.file.size.limit.bytes";
    private static final String FILE_SIZE_LIMIT_BYTES_DOC = "Largest file a program may write (RLIMIT_FSIZE).";

    public static final String SCRATCH_SIZE_MB_CONFIG = "grader.scratch.size.mb";
    private static final String SCRATCH_SIZE_MB_DOC = "Size of each worker's private tmpfs, which holds the scratch "
            + "directory of the program it runs, MiB.";

    public static final String PROCESS_LIMIT_CONFIG = "grader.process.limit";
    private static final String PROCESS_LIMIT_DOC = "Processes and threads one program may have at once "
            + "(RLIMIT_NPROC of its own uid).";

    public static final String TAXONOMY_FILE_CONFIG = "grader.taxonomy.file";
    private static final String TAXONOMY_FILE_DOC = "A tab-separated error taxonomy table that replaces the built-in "
            + "one (org/rltf/grader/taxonomy.tsv, which documents the format). Empty: the built-in table.";

    public static final String INSECURE_NO_SANDBOX_CONFIG = "grader.insecure.no.sandbox";
    private static final String INSECURE_NO_SANDBOX_DOC = "Run programs WITHOUT the sandbox (no namespaces, no uid "
            + "switch; resource limits only), for debugging on machines without bubblewrap or root. Never for "
            + "model-generated code.";

    public static final String BWRAP_CONFIG = "grader.sandbox.bwrap";
    private static final String BWRAP_DOC = "The bubblewrap executable: a command on PATH or a path.";

    public static final String UID_BASE_CONFIG = "grader.sandbox.uid.base";
    private static final String UID_BASE_DOC = "Programs of worker i run as uid (and gid) base + i, a uid of their own, "
            + "so that process limits, signals and files never cross workers. 0: a random base above 100000, "
            + "so that graders on one machine do not share uids.";

    public static final String WORKER_START_TIMEOUT_MS_CONFIG = "grader.worker.start.timeout.ms";
    private static final String WORKER_START_TIMEOUT_MS_DOC = "How long a worker may take to start and pass its "
            + "sandbox self-checks.";

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(ID_CONFIG, Type.STRING, "", Importance.LOW, ID_DOC)
            .define(PYTHON_CONFIG, Type.STRING, "python3", new ConfigDef.NonEmptyString(), Importance.HIGH, PYTHON_DOC)
            .define(TEST_TIMEOUT_MS_CONFIG, Type.INT, 4000, Range.atLeast(1), Importance.HIGH, TEST_TIMEOUT_MS_DOC)
            .define(TEST_TIMEOUT_SCALE_CONFIG, Type.DOUBLE, 1.0, Validators.between(0.01, 1000), Importance.MEDIUM,
                    TEST_TIMEOUT_SCALE_DOC)
            .define(REFERENCE_TIMED_DATASETS_CONFIG, Type.LIST, Datasets.HUMANEVAL_PLUS + "," + Datasets.MBPP_PLUS, Importance.LOW,
                    REFERENCE_TIMED_DATASETS_DOC)
            .define(REFERENCE_FACTOR_CONFIG, Type.DOUBLE, 4.0, Validators.between(0, 1000), Importance.LOW, REFERENCE_FACTOR_DOC)
            .define(PROGRAM_TIMEOUT_MS_CONFIG, Type.INT, 30_000, Range.atLeast(1), Importance.MEDIUM, PROGRAM_TIMEOUT_MS_DOC)
            .define(PARALLELISM_CONFIG, Type.INT, Runtime.getRuntime().availableProcessors(), Range.between(1, 1024),
                    Importance.HIGH, PARALLELISM_DOC)
            .define(MEMORY_LIMIT_MB_CONFIG, Type.INT, 1024, Range.between(128, 1 << 20), Importance.MEDIUM, MEMORY_LIMIT_MB_DOC)
            .define(OUTPUT_LIMIT_BYTES_CONFIG, Type.LONG, 4L << 20, Range.atLeast(1024), Importance.MEDIUM, OUTPUT_LIMIT_BYTES_DOC)
            .define(FILE_SIZE_LIMIT_BYTES_CONFIG, Type.LONG, 16L << 20, Range.atLeast(0), Importance.LOW, FILE_SIZE_LIMIT_BYTES_DOC)
            .define(SCRATCH_SIZE_MB_CONFIG, Type.INT, 64, Range.between(1, 1 << 20), Importance.LOW, SCRATCH_SIZE_MB_DOC)
            .define(PROCESS_LIMIT_CONFIG, Type.INT, 32, Range.between(1, 1 << 16), Importance.LOW, PROCESS_LIMIT_DOC)
            .define(TAXONOMY_FILE_CONFIG, Type.STRING, "", Importance.LOW, TAXONOMY_FILE_DOC)
            .define(INSECURE_NO_SANDBOX_CONFIG, Type.BOOLEAN, false, Importance.LOW, INSECURE_NO_SANDBOX_DOC)
            .define(BWRAP_CONFIG, Type.STRING, "bwrap", new ConfigDef.NonEmptyString(), Importance.LOW, BWRAP_DOC)
            .define(UID_BASE_CONFIG, Type.INT, 0, Range.between(0, (1 << 30)), Importance.LOW, UID_BASE_DOC)
            .define(WORKER_START_TIMEOUT_MS_CONFIG, Type.INT, 60_000, Range.atLeast(1), Importance.LOW, WORKER_START_TIMEOUT_MS_DOC);

    public GraderConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
    }

    /** The defaults. */
    public static GraderConfig defaults() {
        return new GraderConfig(Map.of());
    }

    public String id() {
        String id = getString(ID_CONFIG);
        return id == null || id.isBlank() ? "grader-" + ProcessHandle.current().pid() : id;
    }

    public String python() { return getString(PYTHON_CONFIG); }
    public int testTimeoutMs() { return getInt(TEST_TIMEOUT_MS_CONFIG); }
    public double testTimeoutScale() { return getDouble(TEST_TIMEOUT_SCALE_CONFIG); }
    public List<String> referenceTimedDatasets() { return getList(REFERENCE_TIMED_DATASETS_CONFIG); }
    public double referenceFactor() { return getDouble(REFERENCE_FACTOR_CONFIG); }
    public int programTimeoutMs() { return getInt(PROGRAM_TIMEOUT_MS_CONFIG); }
    public int parallelism() { return getInt(PARALLELISM_CONFIG); }
    public long memoryLimitBytes() { return (long) getInt(MEMORY_LIMIT_MB_CONFIG) << 20; }
    public long outputLimitBytes() { return getLong(OUTPUT_LIMIT_BYTES_CONFIG); }
    public long fileSizeLimitBytes() { return getLong(FILE_SIZE_LIMIT_BYTES_CONFIG); }
    public long scratchSizeBytes() { return (long) getInt(SCRATCH_SIZE_MB_CONFIG) << 20; }
    public int processLimit() { return getInt(PROCESS_LIMIT_CONFIG); }
    public String taxonomyFile() { String f = getString(TAXONOMY_FILE_CONFIG); return f == null || f.isBlank() ? null : f; }
    public boolean insecureNoSandbox() { return getBoolean(INSECURE_NO_SANDBOX_CONFIG); }
    public String bwrap() { return getString(BWRAP_CONFIG); }
    public int uidBase() { return getInt(UID_BASE_CONFIG); }
    public int workerStartTimeoutMs() { return getInt(WORKER_START_TIMEOUT_MS_CONFIG); }
}
