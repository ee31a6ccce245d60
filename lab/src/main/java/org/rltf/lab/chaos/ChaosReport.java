package org.rltf.lab.chaos;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a chaos run found: the audit's counts, how long each service took to produce again after each fault, which
 * process exited without being told to, and the files left in the processes' temp directory. {@link #failures()}
 * lists every loss, duplicate, gap, repeat, bad digest and unrecovered service; the command exits non-zero on any.
 */
public final class ChaosReport {

    /** The audit's numbers. */
    public static final class Counts {
        public long samples;
        public long malformedSamples;
        public long duplicateSamples;
        public long rounds;
        public final List<String> incompleteRounds = new ArrayList<>();
        public long lostSamples;
        public long feedback;
        public long duplicateFeedback;
        public long samplesWithoutFeedback;
        public long feedbackWithoutSample;
        public long sandboxErrors;
        public long rewardableFeedback;
        public long experience;
        public long duplicateExperience;
        public long feedbackWithoutExperience;
        public long experienceWithoutFeedback;
        public List<Long> steps = List.of();
        public List<Long> versions = List.of();
        public long verifiedCheckpoints;
        public final List<String> badCheckpoints = new ArrayList<>();
        public final Map<String, Integer> deadLetters = new TreeMap<>();
        public long duplicateDeadLetters;
        public int longestReason;
        /** Injected malformed record -> dead letters from the service that should write one (1 expected). */
        public final Map<String, Integer> injectedDeadLettered = new TreeMap<>();
    }

    /** One fault: what, when it was repaired, and per service the seconds until its next output (null: none). */
    public record Recovery(Fault fault, double repairedAt, Map<String, Double> seconds) {}

    private final Counts counts;
    private final List<Recovery> recoveries;
    private final Map<String, Integer> unexpectedExits;
    private final List<String> leftovers;
    private final double seconds;
    private final String bufferState;

    ChaosReport(Counts counts, List<Recovery> recoveries, Map<String, Integer> unexpectedExits, List<String> leftovers,
                String bufferState, double seconds) {
        this.bufferState = bufferState;
        this.counts = counts;
        this.recoveries = List.copyOf(recoveries);
        this.unexpectedExits = new LinkedHashMap<>(unexpectedExits);
        this.leftovers = List.copyOf(leftovers);
        this.seconds = seconds;
    }

    public Counts counts() { return counts; }

    public List<Recovery> recoveries() { return recoveries; }

    public List<String> leftovers() { return leftovers; }

    /** Everything that went wrong, one line each; empty when the run lost nothing, repeated nothing and recovered. */
    public List<String> failures() {
        Counts c = counts;
        List<String> f = new ArrayList<>();
        if (c.samples == 0) f.add("no sample was published");
        if (c.lostSamples > 0) f.add(c.lostSamples + " samples lost (incomplete rounds " + c.incompleteRounds + ")");
        if (c.duplicateSamples > 0) f.add(c.duplicateSamples + " sample ids published twice");
        if (c.samplesWithoutFeedback > 0) f.add(c.samplesWithoutFeedback + " samples without feedback");
        if (c.duplicateFeedback > 0) f.add(c.duplicateFeedback + " samples with more than one feedback");
        if (c.feedbackWithoutSample > 0) f.add(c.feedbackWithoutSample + " feedback records of no sample");
        if (c.feedbackWithoutExperience > 0) f.add(c.feedbackWithoutExperience + " rewardable feedback without experience");
        if (c.experienceWithoutFeedback > 0) f.add(c.experienceWithoutFeedback + " experiences of no rewardable feedback");
        if (c.duplicateExperience > 0) f.add(c.duplicateExperience + " samples with more than one experience");
        List<String> stepFaults = contiguity(c.steps, 1);
        if (c.steps.isEmpty()) f.add("no learner step was committed");
        stepFaults.forEach(s -> f.add("learner steps: " + s));
        contiguity(c.versions, 0).forEach(s -> f.add("checkpoint versions: " + s));
        if (!c.badCheckpoints.isEmpty()) f.add("checkpoints whose digest does not verify: " + c.badCheckpoints);
        if (c.duplicateDeadLetters > 0) f.add(c.duplicateDeadLetters + " records dead-lettered twice by one service");
        c.injectedDeadLettered.forEach((k, n) -> {
            if (n != 1) f.add("injected record '" + k + "' has " + n + " dead letters from its service, not 1");
        });
        unexpectedExits.forEach((name, code) -> f.add(name + " exited by itself (status " + code + ")"));
        for (Recovery r : recoveries)
            r.seconds().forEach((service, s) -> {
                if (s == null) f.add(service + " did not produce again after " + r.fault());
            });
        return f;
    }

    /** Gaps and repeats in what should be first, first + 1, ..., each once. */
    static List<String> contiguity(List<Long> values, long first) {
        List<String> out = new ArrayList<>();
        Map<Long, Integer> seen = new TreeMap<>();
        for (long v : values) seen.merge(v, 1, Integer::sum);
        List<Long> repeats = new ArrayList<>();
        seen.forEach((v, n) -> {
            if (n > 1) repeats.add(v);
        });
        if (!repeats.isEmpty()) out.add("repeated " + repeats);
        if (!seen.isEmpty()) {
            long last = ((TreeMap<Long, Integer>) seen).lastKey();
            List<Long> gaps = new ArrayList<>();
            for (long v = first; v <= last; v++) if (!seen.containsKey(v)) gaps.add(v);
            if (!gaps.isEmpty()) out.add("missing " + (gaps.size() > 10 ? gaps.subList(0, 10) + "..." : gaps));
        }
        return out;
    }

    public void print(PrintStream out) {
        Counts c = counts;
        out.println();
        out.printf("rltf chaos: %.0f s in all%n", seconds);
        out.println("  samples published         " + c.samples + " in " + c.rounds + " rounds; lost " + c.lostSamples
                + ", published twice " + c.duplicateSamples + " (+ " + c.malformedSamples + " injected malformed)");
        out.println("  feedback per sample       " + c.feedback + " samples with feedback; missing "
                + c.samplesWithoutFeedback + ", duplicated " + c.duplicateFeedback + ", of no sample "
                + c.feedbackWithoutSample);
        out.println("  experience                " + c.experience + " vs " + c.rewardableFeedback
                + " non-SANDBOX feedback (" + c.sandboxErrors + " SANDBOX_ERROR); missing " + c.feedbackWithoutExperience
                + ", extra " + c.experienceWithoutFeedback + ", duplicated " + c.duplicateExperience);
        out.println("  learner steps             " + range(c.steps) + "; " + describe(contiguity(c.steps, 1)));
        out.println("  checkpoint versions       " + range(c.versions) + "; " + describe(contiguity(c.versions, 0)));
        out.println("  checkpoint digests        " + c.verifiedCheckpoints + " of " + c.versions.size() + " verified"
                + (c.badCheckpoints.isEmpty() ? "" : "; bad: " + c.badCheckpoints));
        out.println("  dead letters by reason    " + (c.deadLetters.isEmpty() ? "none" : ""));
        c.deadLetters.forEach((reason, n) -> out.printf("      %4d  %s%n", n, reason));
        out.println("      injected: " + c.injectedDeadLettered + " (1 each expected); dead-lettered twice by one "
                + "service: " + c.duplicateDeadLetters + "; longest reason " + c.longestReason + " characters");
        out.println("  recovery: seconds from the repair (the process back, answering) to the service's next "
                + "committed output");
        List<String> services = new ArrayList<>();
        for (Recovery r : recoveries) for (String s : r.seconds().keySet()) if (!services.contains(s)) services.add(s);
        services.sort(Comparator.comparingInt(ChaosReport::column).thenComparing(s -> s));
        StringBuilder head = new StringBuilder(String.format("      %-34s", "fault"));
        for (String s : services) head.append(String.format("%10s", s));
        out.println(head);
        for (Recovery r : recoveries) {
            StringBuilder row = new StringBuilder(String.format("      %-34s", r.fault()));
            for (String s : services) {
                Double v = r.seconds().get(s);
                row.append(String.format("%10s", !r.seconds().containsKey(s) ? "" : v == null ? "NEVER" : String.format("%.1f", v)));
            }
            out.println(row);
        }
        out.println("  exited without being told " + (unexpectedExits.isEmpty() ? "none" : unexpectedExits));
        out.println("  leftover temp files       " + (leftovers.isEmpty() ? "none" : leftovers.size() + ": "
                + (leftovers.size() > 8 ? leftovers.subList(0, 8) + "..." : leftovers)));
        out.println("      in the processes' java.io.tmpdir (rltf-grader-worker-<digest>/ is the grader's worker script, "
                + "shared by every start); the buffer's state: " + bufferState);
        List<String> failures = failures();
        out.println(failures.isEmpty() ? "OK: nothing lost, nothing duplicated, every checkpoint verified, every "
                + "service recovered without a manual restart" : "FAILED:");
        failures.forEach(f -> out.println("  - " + f));
    }

    /** Columns in pipeline order: generator, graders, learner. */
    private static int column(String service) {
        return service.equals(ChaosPlan.GENERATOR) ? 0 : service.equals(ChaosPlan.LEARNER) ? 2 : 1;
    }

    private static String range(List<Long> values) {
        if (values.isEmpty()) return "none";
        return values.size() + " (" + values.stream().mapToLong(Long::longValue).min().getAsLong() + ".."
                + values.stream().mapToLong(Long::longValue).max().getAsLong() + ")";
    }

    private static String describe(List<String> faults) {
        return faults.isEmpty() ? "no gap, no repeat" : String.join(", ", faults);
    }
}
