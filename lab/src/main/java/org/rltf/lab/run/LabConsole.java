package org.rltf.lab.run;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.rltf.events.LearnerStep;

/**
 * What a lab shows in the terminal: one progress bar per phase, and during the online phase one live status line
 * (step, policy version, the latest held-out pass@1, the RL batch's mean reward and advantage, its outcome mix,
 * samples/s and grades/s, policy lag). Everything else goes to the run's log file.
 */
public final class LabConsole {
    private final PrintStream out;

    public LabConsole(PrintStream out) {
        this.out = out;
    }

    public PrintStream out() { return out; }

    /** A bar for a phase of {@code max} units; close it when the phase ends. */
    public ProgressBar bar(String task, long max, String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(out, 110)).build();
    }

    public void line(String format, Object... args) {
        out.printf(format + "%n", args);
    }

    /** The online phase's status line for step {@code s}. */
    public static String status(LearnerStep s, double heldOutPassAt1, MeterRegistry meters, long startNanos) {
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        StringBuilder mix = new StringBuilder();
        Map<String, Integer> outcomes = s.getRlOutcomes();
        int total = outcomes.values().stream().mapToInt(Integer::intValue).sum();
        for (String o : new String[] {"PASS", "FAILURE", "RUNTIME_ERROR", "SYNTAX_ERROR"}) {
            int n = outcomes.getOrDefault(o, 0);
            if (total > 0) mix.append(mix.length() == 0 ? "" : "/").append(Math.round(100.0 * n / total));
        }
        return String.format("v%d  held-out pass@1 %s  reward %+.2f  adv %+.3f  P/F/R/S %s%%  %.1f samples/s  %.1f grades/s  lag %.1f",
                s.getPolicyVersion(), Double.isNaN(heldOutPassAt1) ? "-" : String.format("%.1f%%", 100 * heldOutPassAt1),
                s.getMeanReward(), s.getMeanAdvantage(), mix, count(meters, "rltf.generator.samples") / seconds,
                count(meters, "rltf.grader.feedback") / seconds, s.getMeanPolicyLag());
    }

    static double count(MeterRegistry meters, String name) {
        return meters.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** Minutes and seconds, for the terminal. */
    public static String duration(long nanos) {
        long s = TimeUnit.NANOSECONDS.toSeconds(nanos);
        return s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
