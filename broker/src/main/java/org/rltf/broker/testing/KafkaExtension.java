package org.rltf.broker.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests a {@link KafkaEnv} parameter (test methods, lifecycle methods, constructors):
 *
 * <pre>{@code
 * @ExtendWith(KafkaExtension.class)
 * class MyIT {
 *   @Test void t(KafkaEnv env) { String run = env.createRun("my-test"); ... }
 * }
 * }</pre>
 *
 * One broker and one registry per JVM, started on first use and shared by every test class; stopped when the test
 * engine finishes (root context store) or, failing that, when the JVM exits.
 *
 * <p>The broker is the in-process {@link org.rltf.broker.EmbeddedKafka}. With {@code -Drltf.test.kafka=auto} and a
 * Docker engine present (and Testcontainers on the test classpath), Testcontainers' {@code apache/kafka} is used
 * instead; {@code embedded} (the default) never looks for Docker.
 */
public final class KafkaExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaExtension.class);

    @Override public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaEnv.class;
    }

    @Override public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
            throws ParameterResolutionException {
        try {
            SharedKafkaEnv env = SharedKafkaEnv.get();
            // The root store closes what it holds when the engine finishes: the broker stops with the test run.
            context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SharedKafkaEnv.class, k -> env.closer(), AutoCloseable.class);
            return env;
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("Could not start the test Kafka broker and schema registry: " + e.getMessage(), e);
        }
    }
}
