package org.rltf.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.DeserializationHandlerResponse;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.ProcessingHandlerResponse;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.events.DeadLetter;
import org.rltf.schemas.InvalidEventException;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;

/**
 * What the handler refuses to dead-letter: errors that are not the record's fault must stop the application
 * rather than discard good data. (The dead-letter path of a whole topology runs against the real broker in
 * {@link OnlineBufferBrokerTest}.)
 */
@ExtendWith(KafkaExtension.class)
class DeadLetterHandlerTest {
    private static final ErrorHandlerContext CONTEXT = new ErrorHandlerContext() {
        @Override public String topic() { return "rltf.r.feedback"; }
        @Override public int partition() { return 0; }
        @Override public long offset() { return 7; }
        @Override public Headers headers() { return new RecordHeaders(); }
        @Override public String processorNodeId() { return "node"; }
        @Override public TaskId taskId() { return new TaskId(0, 0); }
        @Override public long timestamp() { return 1; }
        @Override public byte[] sourceRawKey() { return "s1".getBytes(StandardCharsets.UTF_8); }
        @Override public byte[] sourceRawValue() { return null; }
    };

    private static DeadLetterHandler handler() {
        DeadLetterHandler handler = new DeadLetterHandler();
        // The publisher opens its producer only for the first dead letter, so nothing connects here.
        handler.configure(Map.of(DeadLetterHandler.RUN_CONFIG, "r", "application.id", "app",
                "bootstrap.servers", "unused:9092", "schema.registry.url", "mock://dead-letter-handler-test"));
        return handler;
    }

    @Test
    void failsOnErrorsThatAreNotTheRecordsFault() {
        var record = new ConsumerRecord<>("rltf.r.samples", 0, 3L, new byte[] {1}, new byte[] {2});
        assertThat(handler().handle(CONTEXT, record, new KafkaException("schema registry unreachable")))
                .isEqualTo(DeserializationHandlerResponse.FAIL);
        assertThat(handler().handle(CONTEXT, new Record<>("k", "v", 1L), new NullPointerException("a bug")))
                .isEqualTo(ProcessingHandlerResponse.FAIL);
        // IllegalArgumentException used to be read as "bad data"; the JDK and our own code throw it for bugs.
        assertThat(handler().handle(CONTEXT, new Record<>("k", "v", 1L), new IllegalArgumentException("a bug")))
                .isEqualTo(ProcessingHandlerResponse.FAIL);
    }

    @Test
    void deadLettersOnlyInvalidEventsNeverBugs(KafkaEnv env) throws Exception {
        String run = env.createRun("dead-letter-handler");
        String id = "dead-letter-handler-test/" + UUID.randomUUID();
        try (DeadLetterPublisher publisher = new DeadLetterPublisher(run, "streams/test", env.clientConfig())) {
            DeadLetterPublisher.register(id, publisher);
            DeadLetterHandler handler = new DeadLetterHandler();
            handler.configure(Map.of(DeadLetterHandler.PUBLISHER_CONFIG, id));
            Record<String, String> record = new Record<>("k", "v", 1L);
            // Bugs first: each publish waits for the broker, so a dead letter they wrongly wrote would be read
            // before the one that follows (same key, same partition).
            for (RuntimeException bug : List.of(new IllegalArgumentException("bug"), new IllegalStateException("bug"),
                    new ArithmeticException("/ by zero")))
                assertThat(handler.handle(CONTEXT, record, bug)).as(bug.toString())
                        .isEqualTo(ProcessingHandlerResponse.FAIL);
            assertThat(handler.handle(CONTEXT, record, new InvalidEventException("token_ends has 1 entries")))
                    .isEqualTo(ProcessingHandlerResponse.CONTINUE);
        } finally {
            DeadLetterPublisher.unregister(id);
        }

        List<DeadLetter> letters = new ArrayList<>(); // keyed "s1": one partition, in publish order
        try (Serde<DeadLetter> serde = AvroSerdes.serde(DeadLetter.class, env.clientConfig(), false);
             KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(env.consumerConfig("dead-letters"),
                     new StringDeserializer(), serde.deserializer())) {
            consumer.subscribe(List.of(Topics.forRun(run).deadLetter()));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> letters.add(r.value()));
                return !letters.isEmpty();
            });
            consumer.poll(Duration.ofMillis(500)).forEach(r -> letters.add(r.value()));
        }
        assertThat(letters).singleElement().satisfies(d -> {
            assertThat(d.getErrorClass()).isEqualTo(InvalidEventException.class.getName());
            assertThat(d.getReason()).contains("token_ends");
            assertThat(d.getTopic()).isEqualTo(CONTEXT.topic());
            assertThat(d.getOffset()).isEqualTo(CONTEXT.offset());
        });
    }

    @Test
    void needsTheRun() {
        assertThatThrownBy(() -> new DeadLetterHandler().configure(Map.of("application.id", "app")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(DeadLetterHandler.RUN_CONFIG);
    }

    @Test
    void reasonNamesTheWholeCauseChain() {
        String reason = DeadLetterHandler.describe(new IllegalStateException("outer", new ArithmeticException("inner")));
        assertThat(reason).isEqualTo("IllegalStateException: outer <- caused by ArithmeticException: inner");
    }
}
