package org.rltf.lab.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import org.rltf.evaluator.EvaluatorService;
import org.rltf.generator.GeneratorService;
import org.rltf.grader.service.GraderService;
import org.rltf.kernel.Service;
import org.rltf.learner.LearnerService;

/**
 * The services of one run in this JVM, each on its own thread: graders, a learner, a generator and an evaluator,
 * any of which may be left out (a null config), e.g. to run the learner in another process. They talk only through
 * the run's topics, as they would on separate machines.
 */
public final class InProcessLoop implements AutoCloseable {
    private final List<GraderService> graders = new ArrayList<>();
    private LearnerService learner;
    private GeneratorService generator;
    private EvaluatorService evaluator;
    private final List<Thread> threads = new ArrayList<>();
    private Thread learnerThread;
    private final Map<String, Throwable> failures = new ConcurrentHashMap<>();

    private InProcessLoop() {}

    /** Creates and starts the services whose config is given; a service that fails to start closes the others. */
    public static InProcessLoop start(List<Map<String, Object>> graderConfigs, Map<String, Object> learnerConfig,
                                      Map<String, Object> generatorConfig, Map<String, Object> evaluatorConfig,
                                      MeterRegistry meters, LearnerService.Listener learnerListener,
                                      EvaluatorService.Listener evaluatorListener) {
        InProcessLoop loop = new InProcessLoop();
        try {
            for (Map<String, Object> c : graderConfigs) {
                GraderService g = new GraderService(c, meters);
                loop.graders.add(g);
                loop.thread("grader-" + loop.graders.size(), g);
            }
            if (evaluatorConfig != null) {
                loop.evaluator = new EvaluatorService(evaluatorConfig, meters);
                loop.evaluator.setListener(evaluatorListener);
                loop.thread("evaluator", loop.evaluator);
            }
            if (learnerConfig != null) {
                loop.learner = new LearnerService(learnerConfig, meters);
                loop.learner.setListener(learnerListener);
                loop.learnerThread = loop.thread("learner", loop.learner);
            }
            if (generatorConfig != null) {
                loop.generator = new GeneratorService(generatorConfig, meters);
                loop.thread("generator", loop.generator);
            }
            return loop;
        } catch (RuntimeException e) {
            loop.close();
            throw e;
        }
    }

    private Thread thread(String name, Service service) {
        Thread t = new Thread(() -> {
            try {
                service.run();
            } catch (Throwable e) {
                failures.put(name, e);
            }
        }, name);
        t.start();
        threads.add(t);
        return t;
    }

    public LearnerService learner() { return learner; }

    public GeneratorService generator() { return generator; }

    public EvaluatorService evaluator() { return evaluator; }

    public List<GraderService> graders() { return graders; }

    /** Failures of the services so far, by thread name. */
    public Map<String, Throwable> failures() { return Map.copyOf(failures); }

    /**
     * Waits until the learner is done, or {@code timeout} has passed (null: no limit), when the learner is asked to
     * stop (it commits the steps since its last checkpoint in a final one). Throws if any service fails first.
     */
    public void awaitLearner(Duration timeout) throws InterruptedException {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        while (learnerThread.isAlive()) {
            learnerThread.join(200);
            if (!failures.isEmpty()) break;
            if (System.nanoTime() > deadline) {
                learner.close();
                deadline = Long.MAX_VALUE;
            }
        }
        throwFirstFailure();
    }

    /** Throws the first failure of any service, if there was one. */
    public void throwFirstFailure() {
        if (failures.isEmpty()) return;
        Map.Entry<String, Throwable> f = failures.entrySet().iterator().next();
        throw new IllegalStateException("the " + f.getKey() + " failed: " + f.getValue(), f.getValue());
    }

    /** Stops the generator and the graders (the learner is done or stops at its next step boundary). */
    public void stopSampling() {
        if (generator != null) generator.close();
    }

    /** Stops every service: generator, learner (committing its last steps), graders, evaluator. */
    @Override
    public void close() {
        if (generator != null) generator.close();
        if (learner != null) learner.close();
        for (GraderService g : graders) g.close();
        if (evaluator != null) evaluator.close();
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.MINUTES.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
