package org.rltf.learner;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.utils.Utils;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ClusterWait;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.ProblemTable;
import org.rltf.policy.ReferenceExamples;
import org.rltf.policy.SftExample;
import org.rltf.policy.Tokenizer;
import org.rltf.schemas.serde.AvroDeserializer;

/**
 * The supervised term's data: the reference solutions of the run's problems of the configured splits
 * ({@value LearnerConfig#PROBLEMS_SPLIT_CONFIG}), tokenised for the policy as the supervised warm-up tokenises them
 * ({@link ReferenceExamples}, at most {@value LearnerConfig#SL_MAX_TOKENS_CONFIG} tokens each), in id order so a
 * seeded draw picks the same references from the same problems.
 *
 * <p>The problems come from a {@link ProblemTable} of the compacted problems topic; a record that cannot be decoded
 * is dead-lettered. The table is polled before each step (without waiting), and the references are tokenised again
 * only when it changed.
 *
 * <p>Not thread-safe: the learner's thread uses it.
 */
final class ReferenceSet implements AutoCloseable {
    private final ProblemTable problems;
    private final DeadLetters deadLetters;
    private final List<String> splits;
    private final int maxTokens;
    private List<ReferenceExamples.Encoded> references = List.of();
    private long tokenisedAt = -1; // the table's change count when references were made
    private Tokenizer tokenizer;
    private int context;

    private ReferenceSet(ProblemTable problems, DeadLetters deadLetters, List<String> splits, int maxTokens) {
        this.problems = problems;
        this.deadLetters = deadLetters;
        this.splits = List.copyOf(splits);
        this.maxTokens = maxTokens;
    }

    /** The reference set of {@code config}'s run; undecodable problem records go to {@code deadLetters} (not closed here). */
    static ReferenceSet open(LearnerConfig config, DeadLetters deadLetters) {
        AvroDeserializer<Problem> values = new AvroDeserializer<>(Problem.class);
        values.configure(ClientConfigs.serde(config.originals()), false);
        ProblemTable table;
        try {
            table = ProblemTable.open(config.originals(), config.clientId("problems"), config.topics().problems(), values,
                    ProblemTable.splits(Set.copyOf(config.problemsSplits())),
                    bad -> deadLetters.publish(bad.raw(), bad.reason(), bad.error()),
                    ClusterWait.attemptTimeout(config.startupTimeout()));
        } catch (RuntimeException e) {
            Utils.closeQuietly(values, "problems deserializer");
            throw e;
        }
        return new ReferenceSet(table, deadLetters, config.problemsSplits(), config.slMaxTokens());
    }

    /** Reads the problems topic to its end (at start, so the first step sees every problem published before it). */
    void catchUp() {
        problems.catchUp();
        deadLetters.flush();
    }

    /** Tokenises for this policy from now on: its tokenizer, and prompt and completion within {@code context}. */
    void tokenizeFor(Tokenizer tokenizer, int context) {
        this.tokenizer = tokenizer;
        this.context = context;
        this.tokenisedAt = -1;
    }

    /**
     * The references now, after taking any problem records that arrived (without waiting); an
     * {@link IllegalStateException} when there are none, since the supervised term is on.
     */
    List<ReferenceExamples.Encoded> current() {
        problems.poll();
        deadLetters.flush();
        if (tokenizer == null) throw new IllegalStateException("ReferenceSet: tokenizeFor was not called");
        if (tokenisedAt != problems.changes()) {
            List<SftExample> examples = new ArrayList<>();
            for (Problem p : problems.byId().values())
                for (ReferenceSolution r : p.getReferenceSolutions())
                    examples.add(new SftExample(r.getId(), p.getPrompt(), r.getCode()));
            List<ReferenceExamples.Encoded> refs = new ArrayList<>(ReferenceExamples.encodeAll(examples, tokenizer,
                    context, maxTokens));
            refs.sort(Comparator.comparing(ReferenceExamples.Encoded::id));
            references = List.copyOf(refs);
            tokenisedAt = problems.changes();
        }
        if (references.isEmpty())
            throw new IllegalStateException(LearnerConfig.LOSS_SUPERVISED_CONFIG + "=true but no problem of splits "
                    + splits + " in " + problems.topic() + " has a reference solution; publish problems with reference "
                    + "solutions or set " + LearnerConfig.LOSS_SUPERVISED_CONFIG + "=false");
        return references;
    }

    /** Whether problem {@code problemId} is held and has a reference solution. */
    boolean hasReference(String problemId) {
        Problem p = problems.byId().get(problemId);
        return p != null && !p.getReferenceSolutions().isEmpty();
    }

    /** The number of problems held. */
    int problemCount() {
        return problems.size();
    }

    @Override
    public void close() {
        Utils.closeQuietly(problems, "problems table");
    }
}
