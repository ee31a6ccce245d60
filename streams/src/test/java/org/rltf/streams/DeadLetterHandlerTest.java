package org.rltf.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.DeserializationHandlerResponse;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.ProcessingHandlerResponse;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * What the handler refuses to dead-letter: errors that are not the record's fault must stop the application
 * rather than discard good data. (The dead-letter path itself runs against the real broker in
 * {@link OnlineBufferBrokerTest}.)
 */
class DeadLetterHandlerTest {
    private static final ErrorHandlerContext CONTEXT = new ErrorHandlerContext() {
        @Override public String topic() { return "rltf.r.feedback"; }
        @Override public int partition() { return 0; }
        @Override public long offset() { return 7; }
        @Override public Headers headers() { return new RecordHeaders(); }
        @Override public String processorNodeId() { return "node"; }
        @Override public TaskId taskId() { return new TaskId(0, 0); }
        @Override public long timestamp() { return 1; }
        @Override public byte[] sourceRawKey() { return null; }
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
