/**
 * The grader: runs sampled programs against their problem's unit tests in a sandbox and turns the
 * result into RLTF's multi-granularity feedback (design/RLTF-METHOD.md sections 1 and 2).
 *
 * <ul>
 *   <li>{@link org.rltf.grader.Grader}: the API ({@code grade}, {@code gradeAsync}); a pool of warm workers.</li>
 *   <li>{@link org.rltf.grader.GraderConfig}: every setting, defined once with docs, defaults and validators.</li>
 *   <li>{@code Sandbox}, {@code Spawner}, {@code PythonWorker}: the bubblewrap sandbox, its self-checks, and the
 *       line protocol to the worker script {@code org/rltf/grader/worker.py} (a commented fork-server: one
 *       fork per test, under the slot's own uid, with limits; APPS/HumanEval/MBPP test semantics).</li>
 *   <li>{@link org.rltf.grader.Taxonomy} and {@code org/rltf/grader/taxonomy.tsv}: the fine-grained error
 *       categories as a replaceable table.</li>
 *   <li>{@code FeedbackAssembler}, {@link org.rltf.grader.ProgramText}: outcome, first error, its line in the
 *       program and its character span in the completion; {@link org.rltf.grader.Feedbacks}: the public factory
 *       of what every Feedback shares (test count, SANDBOX_ERROR, message length), which the service uses too.</li>
 *   <li>{@code offline}: grading without Kafka ({@code rltf grade}); {@code bench}: {@code rltf bench grader};
 *       {@code service}: the Kafka service around the grader.</li>
 * </ul>
 */
package org.rltf.grader;
