package org.rltf.broker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.rltf.schemas.serde.SchemaRegistryException;

class RoutesTest {
    private final Routes routes = new Routes()
            .add("GET", "/", r -> "root")
            .add("GET", "/subjects/{subject}/versions/{version}", r -> r.param("subject") + "@" + r.param("version"))
            .add(Routes.ANY, "/subjects/{subject}/versions/{version}", r -> "any " + r.method())
            .add("DELETE", "/subjects/{subject}/**", r -> "delete " + r.param("subject"));

    private Object call(String method, String... path) {
        return routes.dispatch(method, List.of(path), Map.of(), null);
    }

    @Test
    void theFirstRouteWhoseMethodAndPatternMatchAnswers() {
        assertThat(call("GET")).isEqualTo("root");
        // A decoded segment may hold a '/': it is still one segment.
        assertThat(call("GET", "subjects", "a/b", "versions", "latest")).isEqualTo("a/b@latest");
        assertThat(call("PUT", "subjects", "s", "versions", "1")).isEqualTo("any PUT");
        assertThat(call("DELETE", "subjects", "s", "versions", "1")).isEqualTo("any DELETE");
        // ** matches nothing or anything after the fixed part.
        assertThat(call("DELETE", "subjects", "s")).isEqualTo("delete s");
        assertThat(call("DELETE", "subjects", "s", "x", "y", "z", "w")).isEqualTo("delete s");
    }

    @Test
    void noMatchIsNotFound() {
        for (List<String> path : List.of(List.of("subjects"), List.of("subjects", "s", "versions"),
                List.of("subjects", "s", "other", "1"), List.of("nothing")))
            assertThatThrownBy(() -> routes.dispatch("GET", path, Map.of(), null))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.status()).isEqualTo(404);
                        assertThat(e.errorCode()).isEqualTo(404);
                    });
        assertThatThrownBy(() -> call("POST")).isInstanceOf(SchemaRegistryException.class);
        assertThatThrownBy(() -> call("DELETE", "subjects")).isInstanceOf(SchemaRegistryException.class);
    }
}
