package org.rltf.lab.chaos;

/**
 * One fault of the schedule: at {@code atSeconds} into the run, {@code target} is stopped ({@link Kind}) and
 * started again {@code downSeconds} later.
 */
record Fault(Kind kind, String target, double atSeconds, double downSeconds) {
    enum Kind {
        /** SIGKILL, then a restart. */
        KILL("kill -9"),
        /** SIGTERM (a clean stop), then a restart. */
        TERM("SIGTERM");

        private final String label;

        Kind(String label) { this.label = label; }

        @Override public String toString() { return label; }
    }

    @Override public String toString() {
        return String.format("%s %s at %.0f s, down %.0f s", kind, target, atSeconds, downSeconds);
    }
}
