package org.rltf.lab.chaos;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Optional;

/**
 * The entry point of every chaos child: {@code ChildMain <parent pid> <main class> <args...>} runs the main class
 * with the args, and ends the process at once when the chaos run's JVM is gone. A child outlives a parent that is
 * SIGKILLed (no shutdown hook runs there), and a learner and a grader left running for minutes after a killed test
 * fork were seen loading the machine of the next run. Halting is the right end: the run that needed the process is
 * over, and a halt is what the process is built to survive anyway.
 */
public final class ChildMain {
    /** The exit status of a child whose parent is gone, as a SIGKILL's (128 + 9). */
    static final int ORPHANED = 137;

    private ChildMain() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length < 2)
            throw new IllegalArgumentException("usage: ChildMain <parent pid> <main class> [args...]");
        Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(args[0]));
        if (parent.isEmpty()) Runtime.getRuntime().halt(ORPHANED);
        parent.get().onExit().thenRun(() -> Runtime.getRuntime().halt(ORPHANED));
        Method main = Class.forName(args[1]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause(); // the service's own failure, as if it had been started directly
        }
    }
}
