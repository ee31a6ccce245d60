package org.rltf.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

class EncodedTest {
    @Test
    void storingHandsBackTheBytesItWasReadFromWithoutEncodingAgain() {
        byte[] read = "a sample".getBytes(StandardCharsets.UTF_8);
        int[] encodes = {0};
        Serde<String> counting = Serdes.serdeFrom((topic, value) -> {
            encodes[0]++;
            return value.getBytes(StandardCharsets.UTF_8);
        }, Serdes.String().deserializer());
        Serde<Encoded<String>> serde = Encoded.serde(counting);

        Encoded<String> decoded = serde.deserializer().deserialize("samples", read);

        assertThat(decoded.value()).isEqualTo("a sample");
        assertThat(serde.serializer().serialize("join-store", decoded)).isSameAs(read);
        assertThat(encodes[0]).isZero();
    }

    @Test
    void tombstonesStayNull() {
        Serde<Encoded<String>> serde = Encoded.serde(Serdes.String());
        assertThat(serde.deserializer().deserialize("samples", null)).isNull();
        assertThat(serde.serializer().serialize("samples", null)).isNull();
    }

    @Test
    void aMalformedRecordFailsAsTheEventSerdeFails() {
        Deserializer<String> strict = (topic, bytes) -> {
            throw new SerializationException("not in the wire format");
        };
        Serde<Encoded<String>> serde = Encoded.serde(Serdes.serdeFrom(Serdes.String().serializer(), strict));
        assertThatThrownBy(() -> serde.deserializer().deserialize("samples", new byte[] {1}))
                .isInstanceOf(SerializationException.class).hasMessage("not in the wire format");
    }
}
