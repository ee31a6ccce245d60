package org.rltf.lab.run;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.rltf.evaluator.EvalReport;
import org.rltf.events.LearnerStep;
import org.rltf.events.Outcome;

/**
 * The end of a lab run: the table of the arms on the held-out split, {@code summary.json}, and a plot of held-out
 * pass@1 per policy version and of the mean reward per step ({@code pass_at_1.png}).
 */
public final class LabSummary {
    /** One evaluated checkpoint of an arm. */
    public record Arm(String name, String label, long version, long step, double seconds, EvalReport report) {}

    /** One point of the online phase's held-out curve. */
    public record Point(long version, long step, double passAt1, double seconds) {}

    private final LabSettings settings;
    private final List<Arm> arms = new ArrayList<>();
    private final List<Point> curve = new ArrayList<>();
    private final List<LearnerStep> steps = new ArrayList<>();
    private final Map<String, Object> facts = new LinkedHashMap<>();

    public LabSummary(LabSettings settings) {
        this.settings = settings;
    }

    public synchronized void arm(Arm arm) { arms.add(arm); }

    public synchronized void point(Point p) { curve.add(p); }

    public synchronized void step(LearnerStep s) { steps.add(s); }

    /** A fact of the run for summary.json (problem counts, wall times, notes). */
    public synchronized void fact(String key, Object value) { facts.put(key, value); }

    public synchronized List<Arm> arms() { return List.copyOf(arms); }

    public synchronized List<LearnerStep> steps() { return List.copyOf(steps); }

    /** The table of the arms, with outcome and error-class shares before and after. */
    public synchronized void print(PrintStream out) {
        printArms(out, arms);
    }

    /** The table of {@code arms} (a step of -1 prints as "-"). */
    public static void printArms(PrintStream out, List<Arm> arms) {
        if (arms.isEmpty()) return;
        EvalReport first = arms.get(0).report();
        out.printf("%nHeld-out split: %d problems, n=%d samples each at temperature %.1f, top-p %.2f; greedy besides%n",
                first.problems(), first.settings().n(), first.settings().temperature(), first.settings().topP());
        boolean k5 = first.settings().ks().contains(5);
        out.printf("%-26s %6s %8s %8s %8s   %6s %6s %6s %6s%n", "arm", "steps", "pass@1", k5 ? "pass@5" : "", "greedy",
                "PASS", "FAIL", "RUNERR", "SYNERR");
        for (Arm a : arms) {
            EvalReport r = a.report();
            Map<Outcome, Double> o = r.outcomeShares();
            out.printf("%-26s %6s %7.1f%% %8s %7.1f%%   %5.0f%% %5.0f%% %5.0f%% %5.0f%%%n", a.label(),
                    a.step() < 0 ? "-" : Long.toString(a.step()),
                    100 * r.passAtK(1), k5 ? String.format("%.1f%%", 100 * r.passAtK(5)) : "", 100 * r.greedyPassAt1(),
                    100 * o.getOrDefault(Outcome.PASS, 0.0), 100 * o.getOrDefault(Outcome.FAILURE, 0.0),
                    100 * o.getOrDefault(Outcome.RUNTIME_ERROR, 0.0), 100 * o.getOrDefault(Outcome.SYNTAX_ERROR, 0.0));
        }
        if (!first.passAtKByTag("region", 1).isEmpty()) {
            out.printf("%nHeld-out pass@1 by region (B: wordings only problems without references show):%n");
            for (Arm a : arms) {
                StringBuilder line = new StringBuilder(String.format("%-26s", a.label()));
                a.report().passAtKByTag("region", 1).forEach((region, v) ->
                        line.append(String.format("  %s %5.1f%%", region, 100 * v)));
                out.println(line);
            }
        }
        TreeSet<String> classes = new TreeSet<>();
        for (Arm a : arms) classes.addAll(a.report().errorClassShares().keySet());
        if (!classes.isEmpty()) {
            out.printf("%nError classes, share of sampled programs:%n%-26s", "");
            for (String c : classes) out.printf(" %14s", c.length() > 14 ? c.substring(0, 14) : c);
            out.println();
            for (Arm a : arms) {
                out.printf("%-26s", a.label());
                for (String c : classes) out.printf(" %13.1f%%", 100 * a.report().errorClassShares().getOrDefault(c, 0.0));
                out.println();
            }
        }
    }

    /** Writes summary.json; pass values are fractions in [0, 1]. */
    public synchronized Path writeJson(Path dir) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("run", settings.run());
        root.put("seed", settings.seed());
        root.put("minutes", settings.minutes());
        root.put("steps", steps.isEmpty() ? 0 : steps.get(steps.size() - 1).getStep());
        root.put("problems", settings.problems());
        root.put("tests_only_share", settings.testsOnlyShare());
        root.put("preset", settings.preset());
        // The recipe, so that a row of a comparison table says what produced it; -c overrides are listed as given.
        ObjectNode recipe = root.putObject("recipe");
        recipe.put("warmup_steps", settings.warmupSteps());
        recipe.put("warmup_lr", settings.warmupLr());
        recipe.put("lr", settings.lr());
        recipe.put("samples_per_problem", settings.samplesPerProblem());
        recipe.put("batch_problems", settings.batchProblems());
        recipe.put("temperature", settings.temperature());
        recipe.put("rl_batch", settings.rlBatch());
        recipe.put("sl_batch", settings.slBatch());
        recipe.put("baseline", settings.baseline());
        recipe.put("tests_only_weight", settings.testsOnlyWeight());
        recipe.put("rl_weight", settings.rlWeight());
        recipe.put("negative_scale", settings.negativeScale());
        recipe.put("self_imitation", settings.selfImitation());
        recipe.put("rl_draw", settings.rlDraw());
        ObjectNode overrides = recipe.putObject("overrides");
        new TreeMap<>(settings.overrides()).forEach(overrides::put);
        ObjectNode heldOut = root.putObject("heldout");
        for (Arm a : arms) {
            ObjectNode arm = heldOut.putObject(a.name());
            EvalReport r = a.report();
            for (int k : r.settings().ks()) arm.put("pass@" + k, r.passAtK(k));
            arm.put("greedy_pass@1", r.greedyPassAt1());
            arm.put("version", a.version());
            arm.put("step", a.step());
            arm.put("seconds", a.seconds());
            arm.put("problems", r.problems());
            ObjectNode outcomes = arm.putObject("outcomes");
            r.outcomeShares().forEach((o, v) -> outcomes.put(o.name(), v));
            ObjectNode errors = arm.putObject("error_classes");
            r.errorClassShares().forEach(errors::put);
            ObjectNode byDifficulty = arm.putObject("pass@1_by_difficulty");
            r.passAtK().forEach((d, byK) -> byDifficulty.put(d, byK.get(1)));
            ObjectNode byRegion = arm.putObject("pass@1_by_region");
            r.passAtKByTag("region", 1).forEach(byRegion::put);
        }
        ArrayNode curveNode = root.putArray("heldout_curve");
        for (Point p : curve) {
            ObjectNode n = curveNode.addObject();
            n.put("version", p.version());
            n.put("step", p.step());
            n.put("pass@1", p.passAt1());
            n.put("seconds", p.seconds());
        }
        ArrayNode stepNodes = root.putArray("learner_steps");
        for (LearnerStep s : steps) {
            ObjectNode n = stepNodes.addObject();
            n.put("step", s.getStep());
            n.put("version", s.getPolicyVersion());
            n.put("mean_reward", s.getMeanReward());
            n.put("mean_advantage", s.getMeanAdvantage());
            n.put("loss_sl", s.getLossSl());
            n.put("loss_rl", s.getLossRl());
            n.put("missing_baseline_share", s.getMissingBaselineShare());
        }
        ObjectNode factsNode = root.putObject("facts");
        facts.forEach((k, v) -> factsNode.set(k, json.valueToTree(v)));
        Path file = dir.resolve("summary.json");
        try {
            Files.createDirectories(dir);
            json.writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
        return file;
    }

    /** Writes the plot: held-out pass@1 per policy version (with the arms as points), mean reward per step. */
    public synchronized Path writePlot(Path dir) {
        XYChart pass = new XYChartBuilder().width(640).height(420).title("Held-out pass@1 per policy version")
                .xAxisTitle("policy version").yAxisTitle("pass@1 (%)").build();
        pass.getStyler().setYAxisMin(0.0).setYAxisDecimalPattern("#0.0").setXAxisDecimalPattern("#0")
                .setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        if (!curve.isEmpty()) {
            XYSeries s = pass.addSeries("RLTF (online)", curve.stream().map(Point::version).toList(),
                    curve.stream().map(p -> 100 * p.passAt1()).toList());
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        for (Arm a : arms) {
            if (a.name().equals("rltf")) continue;
            long x = a.name().equals("sft") ? 0 : lastVersion();
            XYSeries s = pass.addSeries(a.label(), List.of(x), List.of(100 * a.report().passAtK(1)));
            s.setMarker(SeriesMarkers.DIAMOND);
            s.setLineWidth(0f);
        }
        XYChart reward = new XYChartBuilder().width(640).height(420).title("Mean reward of the RL batch per step")
                .xAxisTitle("learner step").yAxisTitle("mean reward").build();
        reward.getStyler().setYAxisDecimalPattern("#0.00").setXAxisDecimalPattern("#0")
                .setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        if (!steps.isEmpty()) {
            XYSeries s = reward.addSeries("mean reward", steps.stream().map(LearnerStep::getStep).toList(),
                    steps.stream().map(x -> (double) x.getMeanReward()).toList());
            s.setMarker(SeriesMarkers.NONE);
        }
        Path file = dir.resolve("pass_at_1.png");
        try {
            Files.createDirectories(dir);
            BitmapEncoder.saveBitmap(List.of(pass, reward), 1, 2, file.toString().replaceAll("\\.png$", ""),
                    BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
        return file;
    }

    private long lastVersion() {
        return curve.isEmpty() ? 1 : curve.get(curve.size() - 1).version();
    }
}
