package org.rltf.grader;

/**
 * The grader cannot isolate programs here (bubblewrap missing, not root, namespaces refused, a sandbox
 * self-check failed, the interpreter unusable). The message names what is missing and how to fix it.
 * The grader never falls back to running programs unsandboxed on its own.
 */
public class SandboxUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SandboxUnavailableException(String message) {
        super(message);
    }

    public SandboxUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
