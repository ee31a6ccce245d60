package org.rltf.lab.chaos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * What a chaos run does: where it lives, how many graders, how long the faults go on, and the faults.
 *
 * @param dir the run's directory (broker data, checkpoints, logs, the processes' temp directory); emptied first
 * @param seconds how long the faulty phase lasts, from the run's first committed learner steps (the drain and the
 *                audit come after it)
 * @param seed the seed of the schedule and of the run
 * @param graders how many grader processes
 * @param checkpointInterval the learner's steps per checkpoint period
 * @param faults the schedule: times count from the run's first committed learner steps
 */
public record ChaosPlan(Path dir, double seconds, long seed, int graders, int checkpointInterval, List<Fault> faults) {
    public static final String BROKER = "broker";
    public static final String REGISTRY = "registry";
    public static final String LEARNER = "learner";
    public static final String GENERATOR = "generator";

    public ChaosPlan {
        faults = List.copyOf(faults);
    }

    static String grader(int i) { return "grader-" + i; }

    /**
     * The schedule of {@code rltf chaos}: within {@code minutes} of the run getting going (its first committed
     * learner steps), in an order and with times drawn from {@code seed}, a SIGKILL of grader-0, of the learner and
     * of the generator (each restarted 2 to 6 s later), a SIGKILL of the broker (down 40 to 100 s), a SIGTERM of the
     * broker (down 10 to 25 s) and a SIGTERM of the registry (down 30 to 60 s). The run waits for the services to
     * produce again after each fault before the next one, so faults never overlap.
     */
    public static ChaosPlan seeded(Path dir, double minutes, long seed) {
        Random r = new Random(seed);
        record Kind(Fault.Kind how, String target, double down) {}
        List<Kind> kinds = new ArrayList<>(List.of(
                new Kind(Fault.Kind.KILL, grader(0), 2 + 4 * r.nextDouble()),
                new Kind(Fault.Kind.KILL, LEARNER, 2 + 4 * r.nextDouble()),
                new Kind(Fault.Kind.KILL, GENERATOR, 2 + 4 * r.nextDouble()),
                new Kind(Fault.Kind.KILL, BROKER, 40 + 60 * r.nextDouble()),
                new Kind(Fault.Kind.TERM, BROKER, 10 + 15 * r.nextDouble()),
                new Kind(Fault.Kind.TERM, REGISTRY, 30 + 30 * r.nextDouble())));
        Collections.shuffle(kinds, r);
        double total = minutes * 60;
        double busy = kinds.stream().mapToDouble(Kind::down).sum();
        // What is left of the window is shared out as time between faults (jittered by the seed).
        double gap = Math.max(10, (0.9 * total - busy) / kinds.size());
        double t = 10;
        List<Fault> faults = new ArrayList<>();
        for (Kind k : kinds) {
            faults.add(new Fault(k.how(), k.target(), t, k.down()));
            t += k.down() + gap * (0.5 + r.nextDouble());
        }
        // Ten steps a period: a checkpoint (1.8 MB with the optimizer state) every few seconds fills the disk otherwise.
        return new ChaosPlan(dir, total, seed, 2, 10, faults);
    }
}
