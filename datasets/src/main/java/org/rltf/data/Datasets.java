package org.rltf.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.rltf.events.Problem;

/**
 * Loads the benchmark datasets as {@link Problem} events (run = "" until a publisher sets it).
 *
 * <p>Specs: {@code humaneval}, {@code humanevalplus} (HumanEval+, EvalPlus's original-format file), {@code mbpp},
 * {@code mbppplus} (MBPP+, likewise), {@code apps:DIR} (APPS's original folder layout, one {@code NNNN} folder per
 * problem) and {@code apps-jsonl:FILE} (APPS problems as JSON lines, e.g. {@code apps/apps_test10/apps_10.jsonl}; also
 * the example-tests file {@code apps/test_example_tests/apps_test_example_tests.jsonl}, as tests only). A spec may
 * end in {@code @split[,split...]} to keep only those splits, e.g. {@code mbpp@train} or
 * {@code mbpp@train,validation}. Relative DIR and FILE paths are looked up under the data root first, then
 * relative to the working directory.
 *
 * <p>Time limits: HumanEval, MBPP and APPS set none ({@link #NO_TIME_LIMIT}: the grader's own setting applies);
 * HumanEval+ and MBPP+ set EvalPlus's minimum, {@link #EVALPLUS_MIN_TIME_LIMIT_MS}, and the grader raises it to
 * 4 x their reference solution's time where that is more (EvalPlus's rule; the grader times the reference,
 * since the data carries no runtime).
 *
 * <p>Problems come back in the dataset's own order (file order; APPS folders sorted by name), so
 * every load of the same files gives the same list.
 */
public final class Datasets {

    /** System property naming the data root. */
    public static final String DATA_ROOT_PROPERTY = "rltf.shared.data";
    /** Environment variable naming the data root when the system property is unset. */
    public static final String DATA_ROOT_ENV = "RLTF_DATA";
    /**
     * The time_limit_ms of a problem whose benchmark sets none (HumanEval, MBPP, APPS): the grader's own setting
     * (grader.test.timeout.ms) applies to it.
     */
    public static final int NO_TIME_LIMIT = 0;
    /** EvalPlus's minimum per-test time limit (--min-time-limit, 4 s), the time_limit_ms of HumanEval+ and MBPP+. */
    public static final int EVALPLUS_MIN_TIME_LIMIT_MS = 4000;
    /** The dataset name of HumanEval+ problems. */
    public static final String HUMANEVAL_PLUS = "humanevalplus";
    /** The dataset name of MBPP+ problems. */
    public static final String MBPP_PLUS = "mbppplus";
    private static final String SPECS = "humaneval, humanevalplus, mbpp, mbppplus, apps:DIR or apps-jsonl:FILE";

    private Datasets() {
    }

    /** Loads {@code spec} from {@link #dataRoot()}. */
    public static List<Problem> load(String spec) {
        return load(spec, dataRoot());
    }

    /** Loads {@code spec} from {@code dataRoot}. */
    public static List<Problem> load(String spec, Path dataRoot) {
        if (spec == null || spec.isBlank()) {
            throw new DatasetException("empty dataset spec; expected " + SPECS);
        }
        String body = spec.trim();
        Set<String> splits = null;
        int at = body.lastIndexOf('@');
        if (at >= 0) {
            splits = Arrays.stream(body.substring(at + 1).split(","))
                    .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
            body = body.substring(0, at);
            if (splits.isEmpty()) {
                throw new DatasetException("dataset spec '" + spec + "' names no split after '@'");
            }
        }
        List<Problem> problems;
        if (body.equals("humaneval")) {
            problems = HumanEval.load(dataRoot.resolve("humaneval/HumanEval.jsonl.gz"));
        } else if (body.equals(HUMANEVAL_PLUS)) {
            problems = HumanEval.load(dataRoot.resolve("evalplus/HumanEvalPlus-OriginFmt.jsonl.gz"), HUMANEVAL_PLUS,
                    "HumanEval+ file", EVALPLUS_MIN_TIME_LIMIT_MS);
        } else if (body.equals("mbpp")) {
            problems = Mbpp.load(dataRoot.resolve("mbpp/mbpp.jsonl"));
        } else if (body.equals(MBPP_PLUS)) {
            problems = MbppPlus.load(dataRoot.resolve("evalplus/MbppPlus-OriginFmt.jsonl.gz"));
        } else if (body.startsWith("apps:")) {
            String location = body.substring("apps:".length());
            problems = Apps.loadDirectory(resolve(location, dataRoot), location);
        } else if (body.startsWith("apps-jsonl:")) {
            problems = Apps.loadJsonl(resolve(body.substring("apps-jsonl:".length()), dataRoot));
        } else {
            throw new DatasetException("unknown dataset spec '" + spec + "'; expected " + SPECS
                    + " (optionally followed by @split)");
        }
        return splits == null ? problems : split(problems, splits.toArray(String[]::new));
    }

    /** The problems whose split is one of {@code splits} (train, test, validation, prompt), in order. */
    public static List<Problem> split(List<Problem> problems, String... splits) {
        Set<String> wanted = Set.of(splits);
        return problems.stream().filter(p -> wanted.contains(p.getSplit())).toList();
    }

    /**
     * The data root: system property {@value #DATA_ROOT_PROPERTY}, else environment variable
     * {@value #DATA_ROOT_ENV}, else {@code ../shared/data} relative to the working directory.
     */
    public static Path dataRoot() {
        String property = System.getProperty(DATA_ROOT_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String env = System.getenv(DATA_ROOT_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of("..", "shared", "data");
    }

    private static Path resolve(String location, Path dataRoot) {
        if (location.isBlank()) {
            throw new DatasetException("dataset spec names no path after ':'");
        }
        Path path = Path.of(location);
        if (path.isAbsolute()) {
            return path;
        }
        Path underRoot = dataRoot.resolve(path);
        if (Files.exists(underRoot) || !Files.exists(path)) {
            return underRoot;
        }
        return path;
    }
}
