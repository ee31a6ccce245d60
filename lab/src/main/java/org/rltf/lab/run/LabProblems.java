package org.rltf.lab.run;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.rltf.data.Curriculum;
import org.rltf.data.Datasets;
import org.rltf.events.Problem;
import org.rltf.kernel.Seeds;

/**
 * The lab's problems: a training split (some of it possibly without reference solutions) and a held-out split that
 * is never trained on, from a dataset spec.
 *
 * <ul>
 *   <li>{@code builtin}: the built-in curriculum, whose own generator draws both splits and the tests-only share.</li>
 *   <li>{@code mbpp}: MBPP's own splits, train (task ids 601-974) and test (11-510).</li>
 *   <li>{@code humaneval}, {@code apps:DIR}, {@code apps-jsonl:FILE}: datasets without a training split; the lab
 *   trains on a seeded half of the problems and holds out the other half, and says so.</li>
 * </ul>
 * For the datasets, {@code testsOnlyShare} of the training problems lose their reference solutions, chosen by a
 * seeded hash of their ids, so the choice does not depend on file order.
 */
public record LabProblems(String spec, List<Problem> train, List<Problem> heldOut, String note) {
    public LabProblems {
        train = List.copyOf(train);
        heldOut = List.copyOf(heldOut);
    }

    /** Training problems that keep their references. */
    public List<Problem> referenced() {
        return train.stream().filter(p -> !p.getReferenceSolutions().isEmpty()).toList();
    }

    /** Every problem to publish: training and held-out. */
    public List<Problem> all() {
        List<Problem> all = new ArrayList<>(train);
        all.addAll(heldOut);
        return all;
    }

    /**
     * Resolves {@code spec}: at most {@code trainLimit} training and {@code testLimit} held-out problems (0 = all),
     * with {@code testsOnlyShare} of the training problems published without references.
     */
    public static LabProblems resolve(String spec, int trainLimit, int testLimit, double testsOnlyShare, long seed) {
        return resolve(spec, trainLimit, testLimit, testsOnlyShare, seed, null);
    }

    /** As above; the built-in curriculum is kept in {@code cache} (may be null) once generated. */
    public static LabProblems resolve(String spec, int trainLimit, int testLimit, double testsOnlyShare, long seed,
                                      java.nio.file.Path cache) {
        if (!(testsOnlyShare >= 0 && testsOnlyShare <= 1))
            throw new IllegalArgumentException("--tests-only-share must be in [0, 1], got " + testsOnlyShare);
        String s = spec.trim();
        if (s.equals("builtin")) return builtin(trainLimit, testLimit, testsOnlyShare, seed, cache);
        List<Problem> all = Datasets.load(s);
        List<Problem> train = Datasets.split(all, "train");
        List<Problem> test = Datasets.split(all, "test");
        String note = "";
        if (train.isEmpty()) {
            // No training split (HumanEval, APPS folders): a seeded half of the problems, by id hash.
            List<Problem> byHash = byHash(all, seed);
            int half = byHash.size() / 2;
            train = byHash.subList(0, half).stream().map(p -> Problem.newBuilder(p).setSplit("train").build()).toList();
            test = byHash.subList(half, byHash.size()).stream().map(p -> Problem.newBuilder(p).setSplit("test").build()).toList();
            note = spec + " has no training split: the lab trains on a seeded half of its " + all.size()
                    + " problems and holds out the other half";
        } else if (test.isEmpty()) {
            throw new IllegalArgumentException("dataset " + spec + " has training problems but no test split to hold out");
        }
        train = limit(train, trainLimit);
        test = limit(test, testLimit);
        return new LabProblems(spec, withholdReferences(train, testsOnlyShare, seed), test, note);
    }

    public static List<Problem> limit(List<Problem> problems, int limit) {
        return limit > 0 && limit < problems.size() ? problems.subList(0, limit) : problems;
    }

    /** The first {@code share} of the problems in seeded-hash order lose their reference solutions. */
    static List<Problem> withholdReferences(List<Problem> train, double share, long seed) {
        List<Problem> byHash = byHash(train, seed ^ 0x7e57L);
        int withheld = (int) Math.round(share * train.size());
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Problem p : byHash.subList(0, withheld)) ids.add(p.getId());
        List<Problem> out = new ArrayList<>(train.size());
        for (Problem p : train)
            out.add(ids.contains(p.getId()) ? Problem.newBuilder(p).setReferenceSolutions(List.of()).build() : p);
        return out;
    }

    private static List<Problem> byHash(List<Problem> problems, long seed) {
        List<Problem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingLong((Problem p) -> Seeds.mix(seed ^ p.getId().hashCode())).thenComparing(Problem::getId));
        return sorted;
    }

    /** The built-in curriculum: its own generator draws both splits and the tests-only share (region B first). */
    private static LabProblems builtin(int trainLimit, int testLimit, double share, long seed, java.nio.file.Path cache) {
        Curriculum.Settings defaults = Curriculum.Settings.defaults(seed);
        Curriculum.Settings settings = new Curriculum.Settings(seed, trainLimit > 0 ? trainLimit : defaults.train(),
                testLimit > 0 ? testLimit : defaults.test(), share);
        List<Problem> all = Curriculum.generate(settings, "python3", cache);
        return new LabProblems("builtin", Datasets.split(all, "train"), Datasets.split(all, "test"),
                "the built-in curriculum " + (all.isEmpty() ? "" : all.get(0).getId().split("/")[1]) + ", seed " + seed
                        + (share > 0 ? "; the tests-only share covers the alternative wordings (region B) first" : ""));
    }
}
