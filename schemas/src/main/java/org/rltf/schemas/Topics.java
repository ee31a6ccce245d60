package org.rltf.schemas;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The topic layout of one run: every topic is {@code rltf.<run>.<name>}. Names are defined here once;
 * services never build topic names by hand.
 *
 * <p>A run name may use letters, digits, '_' and '-' (Kafka's legal topic characters without '.'):
 * the dot separates the layout's parts, so {@link #parse(String)} can recover the run from any topic.
 */
public final class Topics {
    public static final String PREFIX = "rltf";

    public static final String PROBLEMS = "problems";
    public static final String SAMPLES = "samples";
    public static final String FEEDBACK = "feedback";
    public static final String EXPERIENCE = "experience";
    public static final String CHECKPOINTS = "checkpoints";
    public static final String LEARNER_STEPS = "learner-steps";
    public static final String EVALUATIONS = "evaluations";
    public static final String DEAD_LETTER = "dead-letter";

    /** Every topic name of a run, in pipeline order. */
    public static final List<String> NAMES = List.of(
            PROBLEMS, SAMPLES, FEEDBACK, EXPERIENCE, CHECKPOINTS, LEARNER_STEPS, EVALUATIONS, DEAD_LETTER);

    private static final Pattern RUN = Pattern.compile("[A-Za-z0-9_-]+");
    // Kafka's limit is 249 characters for a topic; leave room for the prefix and the longest name.
    public static final int MAX_RUN_LENGTH = 249 - PREFIX.length() - 2 - LEARNER_STEPS.length();

    private final String run;

    private Topics(String run) {
        this.run = run;
    }

    /** The layout of {@code run}; throws {@link IllegalArgumentException} naming the problem if the name is not legal. */
    public static Topics forRun(String run) {
        validateRun(run);
        return new Topics(run);
    }

    public static void validateRun(String run) {
        if (run == null || run.isEmpty())
            throw new IllegalArgumentException("Run name must not be empty");
        if (run.length() > MAX_RUN_LENGTH)
            throw new IllegalArgumentException("Run name '" + run + "' is longer than " + MAX_RUN_LENGTH + " characters");
        if (!RUN.matcher(run).matches())
            throw new IllegalArgumentException("Run name '" + run
                    + "' may contain only ASCII letters, digits, '_' and '-'");
    }

    /** The run of an rltf topic ({@code rltf.<run>.<name>}), or empty if {@code topic} is not one. */
    public static Optional<Topics> parse(String topic) {
        if (topic == null) return Optional.empty();
        String[] parts = topic.split("\\.", -1);
        if (parts.length != 3 || !parts[0].equals(PREFIX) || !NAMES.contains(parts[2])
                || parts[1].isEmpty() || !RUN.matcher(parts[1]).matches())
            return Optional.empty();
        return Optional.of(new Topics(parts[1]));
    }

    public String run() { return run; }

    /** {@code rltf.<run>.<name>} for one of {@link #NAMES}. */
    public String topic(String name) {
        if (!NAMES.contains(name)) throw new IllegalArgumentException("Unknown topic name '" + name + "', expected one of " + NAMES);
        return PREFIX + "." + run + "." + name;
    }

    public String problems() { return topic(PROBLEMS); }
    public String samples() { return topic(SAMPLES); }
    public String feedback() { return topic(FEEDBACK); }
    public String experience() { return topic(EXPERIENCE); }
    public String checkpoints() { return topic(CHECKPOINTS); }
    public String learnerSteps() { return topic(LEARNER_STEPS); }
    public String evaluations() { return topic(EVALUATIONS); }
    public String deadLetter() { return topic(DEAD_LETTER); }

    /** All topics of the run, in the order of {@link #NAMES}. */
    public List<String> all() {
        return NAMES.stream().map(this::topic).toList();
    }

    @Override public boolean equals(Object o) {
        return o instanceof Topics t && t.run.equals(run);
    }

    @Override public int hashCode() { return Objects.hash(run); }

    @Override public String toString() { return "Topics(" + run + ")"; }
}
