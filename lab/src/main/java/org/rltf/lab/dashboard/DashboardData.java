package org.rltf.lab.dashboard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rltf.events.Checkpoint;
import org.rltf.events.Evaluation;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.LearnerStep;
import org.rltf.events.Outcome;
import org.rltf.events.PassAtK;
import org.rltf.events.Sample;

/**
 * What the dashboard charts, folded from a run's events as they arrive: per step (losses, gradient norm, learning
 * rate, policy lag, mean reward), per policy version (held-out pass@1 from Evaluation events, the RL samples' pass
 * rate and mean reward from Experience, the buffer size a Checkpoint recorded), the feedback's outcome and error
 * class shares in consecutive buckets of events (event order: the run's time), and the rates at which samples and
 * feedback arrive at the dashboard. {@link #json()} is the page's one data endpoint.
 *
 * <p>Thread-safe: the consumer adds, the HTTP threads read.
 */
final class DashboardData {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** At most this many buckets of feedback in the share charts. */
    static final int SHARE_BUCKETS = 40;
    /** The error classes charted by name; the rest are "other". */
    static final int TOP_ERROR_CLASSES = 6;

    private record StepPoint(long step, double loss, double lossRl, double lossSl, double gradNorm, double lr,
                             double policyLag, double meanReward, double stepMs) {}

    private record Verdict(String outcome, String errorClass, int gradeMs) {}

    private static final class VersionStats {
        int sampled;
        int passed;
        double reward;
        Double heldOutPassAt1;
        Double greedyPassAt1;
        Long step;
        Double bufferSize;
    }

    private final String run;
    private final TreeMap<Long, StepPoint> steps = new TreeMap<>();
    private final TreeMap<Long, VersionStats> versions = new TreeMap<>();
    private final List<Verdict> feedback = new ArrayList<>();
    private final Map<String, Integer> errorClassCounts = new HashMap<>();
    private long samples;
    private final List<double[]> rates = new ArrayList<>(); // {seconds, samples/s, feedback/s}
    private long lastSamples;
    private long lastFeedback;
    private final long startNanos = System.nanoTime();
    private long lastRateNanos = startNanos;

    DashboardData(String run) {
        this.run = run;
    }

    private VersionStats version(long v) {
        return versions.computeIfAbsent(v, k -> new VersionStats());
    }

    synchronized void add(Object event) {
        if (event instanceof LearnerStep s) {
            double ms = s.getTimingsMs().values().stream().mapToDouble(Double::doubleValue).sum();
            steps.put(s.getStep(), new StepPoint(s.getStep(), s.getLoss(), s.getLossRl(), s.getLossSl(), s.getGradNorm(),
                    s.getLr(), s.getMeanPolicyLag(), s.getMeanReward(), ms));
        } else if (event instanceof Checkpoint c) {
            VersionStats v = version(c.getVersion());
            v.step = c.getStep();
            v.bufferSize = c.getMetrics().get("buffer_size");
        } else if (event instanceof Evaluation e) {
            VersionStats v = version(e.getPolicyVersion());
            for (PassAtK p : e.getResults())
                if (p.getK() == 1 && p.getDifficulty().equals("all")) v.heldOutPassAt1 = p.getValue();
            v.greedyPassAt1 = e.getGreedyPassAt1();
        } else if (event instanceof Experience x) {
            if (x.getGreedy()) return; // the baseline programs are not draws of the policy
            VersionStats v = version(x.getPolicyVersion());
            v.sampled++;
            if (x.getOutcome() == Outcome.PASS) v.passed++;
            v.reward += x.getReward();
        } else if (event instanceof Feedback f) {
            String cls = f.getErrorClass() == null ? "none" : f.getErrorClass();
            feedback.add(new Verdict(f.getOutcome().name(), cls, f.getGradeTimeMs()));
            errorClassCounts.merge(cls, 1, Integer::sum);
        } else if (event instanceof Sample) {
            samples++;
        }
    }

    /** Samples the arrival rates (events/s since the last call); called every few seconds. */
    synchronized void sampleRates() {
        long now = System.nanoTime();
        double dt = (now - lastRateNanos) / 1e9;
        if (dt <= 0) return;
        rates.add(new double[] {(now - startNanos) / 1e9, (samples - lastSamples) / dt, (feedback.size() - lastFeedback) / dt});
        if (rates.size() > 600) rates.remove(0);
        lastSamples = samples;
        lastFeedback = feedback.size();
        lastRateNanos = now;
    }

    synchronized int stepCount() { return steps.size(); }

    synchronized int rateCount() { return rates.size(); }

    synchronized int feedbackCount() { return feedback.size(); }

    synchronized int evaluationCount() {
        return (int) versions.values().stream().filter(v -> v.heldOutPassAt1 != null).count();
    }

    /** Everything the page draws, as JSON. */
    synchronized String json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("run", run);
        ObjectNode counts = root.putObject("counts");
        counts.put("steps", steps.size());
        counts.put("samples", samples);
        counts.put("feedback", feedback.size());
        counts.put("evaluations", evaluationCount());

        ObjectNode s = root.putObject("steps");
        ArrayNode step = s.putArray("step"), loss = s.putArray("loss"), lossRl = s.putArray("loss_rl"),
                lossSl = s.putArray("loss_sl"), grad = s.putArray("grad_norm"), lr = s.putArray("lr"),
                lag = s.putArray("policy_lag"), reward = s.putArray("mean_reward"), ms = s.putArray("step_ms");
        for (StepPoint p : steps.values()) {
            step.add(p.step());
            loss.add(p.loss());
            lossRl.add(p.lossRl());
            lossSl.add(p.lossSl());
            grad.add(p.gradNorm());
            lr.add(p.lr());
            lag.add(p.policyLag());
            reward.add(p.meanReward());
            ms.add(p.stepMs());
        }

        ObjectNode v = root.putObject("versions");
        ArrayNode version = v.putArray("version"), heldOut = v.putArray("heldout_pass_at_1"),
                greedy = v.putArray("greedy_pass_at_1"), passRate = v.putArray("pass_rate"),
                meanReward = v.putArray("mean_reward"), buffer = v.putArray("buffer_size"), at = v.putArray("step");
        for (Map.Entry<Long, VersionStats> e : versions.entrySet()) {
            VersionStats x = e.getValue();
            version.add(e.getKey());
            addOrNull(heldOut, x.heldOutPassAt1);
            addOrNull(greedy, x.greedyPassAt1);
            addOrNull(passRate, x.sampled == 0 ? null : (double) x.passed / x.sampled);
            addOrNull(meanReward, x.sampled == 0 ? null : x.reward / x.sampled);
            addOrNull(buffer, x.bufferSize);
            if (x.step == null) at.addNull();
            else at.add(x.step);
        }

        // Feedback in consecutive buckets of event order: outcome and error-class shares, mean grading time.
        ObjectNode f = root.putObject("feedback");
        int size = Math.max(1, (feedback.size() + SHARE_BUCKETS - 1) / SHARE_BUCKETS);
        List<String> top = errorClassCounts.entrySet().stream().filter(e -> !e.getKey().equals("none"))
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(TOP_ERROR_CLASSES).map(Map.Entry::getKey).toList();
        ArrayNode upTo = f.putArray("events");
        ArrayNode gradeMs = f.putArray("mean_grade_ms");
        Map<String, ArrayNode> outcomes = new LinkedHashMap<>();
        for (Outcome o : Outcome.values()) outcomes.put(o.name(), null);
        ObjectNode outcomeShares = f.putObject("outcome_shares");
        for (String o : outcomes.keySet()) outcomes.put(o, outcomeShares.putArray(o));
        ObjectNode classShares = f.putObject("error_class_shares");
        Map<String, ArrayNode> classes = new LinkedHashMap<>();
        for (String c : top) classes.put(c, classShares.putArray(c));
        classes.put("other", classShares.putArray("other"));
        for (int from = 0; from < feedback.size(); from += size) {
            List<Verdict> bucket = feedback.subList(from, Math.min(feedback.size(), from + size));
            upTo.add(from + bucket.size());
            Map<String, Integer> o = new HashMap<>();
            Map<String, Integer> c = new HashMap<>();
            double gradeSum = 0;
            int errors = 0;
            for (Verdict verdict : bucket) {
                o.merge(verdict.outcome(), 1, Integer::sum);
                gradeSum += verdict.gradeMs();
                if (!verdict.errorClass().equals("none")) {
                    errors++;
                    c.merge(classes.containsKey(verdict.errorClass()) ? verdict.errorClass() : "other", 1, Integer::sum);
                }
            }
            gradeMs.add(gradeSum / bucket.size());
            for (Map.Entry<String, ArrayNode> e : outcomes.entrySet())
                e.getValue().add((double) o.getOrDefault(e.getKey(), 0) / bucket.size());
            for (Map.Entry<String, ArrayNode> e : classes.entrySet())
                e.getValue().add(errors == 0 ? 0 : (double) c.getOrDefault(e.getKey(), 0) / errors);
        }

        ObjectNode r = root.putObject("rates");
        ArrayNode t = r.putArray("seconds"), samplesPerS = r.putArray("samples_per_s"), feedbackPerS = r.putArray("feedback_per_s");
        for (double[] x : rates) {
            t.add(Math.round(x[0] * 10) / 10.0);
            samplesPerS.add(x[1]);
            feedbackPerS.add(x[2]);
        }
        return root.toString();
    }

    private static void addOrNull(ArrayNode a, Double v) {
        if (v == null || !Double.isFinite(v)) a.addNull();
        else a.add(v);
    }
}
