package org.rltf.broker.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import org.rltf.schemas.serde.SchemaRegistryException;

/**
 * A REST route table: method + path pattern -> handler, tried in the order added; the first route whose method and
 * pattern match a request handles it, and none is 404.
 *
 * <p>A pattern is a path of segments: a literal ({@code versions}) matches itself, {@code {name}} matches any one
 * segment and binds it to {@code name}, and a final {@code **} matches whatever follows (nothing included). Method
 * {@link #ANY} matches every method, for "not allowed here" routes after the allowed ones.
 */
final class Routes {
    /** Matches every method. */
    static final String ANY = "*";

    /** A request as a handler sees it; path segments are URL-decoded. */
    record Request(String method, Map<String, String> params, Map<String, String> query, JsonNode body) {
        /** The segment bound to {@code {name}} in the route's pattern. */
        String param(String name) {
            String value = params.get(name);
            if (value == null) throw new IllegalArgumentException("the route binds no {" + name + "}");
            return value;
        }
    }

    /** Answers a request: a JsonNode, or a String sent as it is. */
    @FunctionalInterface
    interface Handler {
        Object handle(Request request);
    }

    private record Route(String method, List<String> pattern, Handler handler) {
        /** The bound parameters if this route matches, else null. */
        Map<String, String> match(String requestMethod, List<String> path) {
            if (!method.equals(ANY) && !method.equals(requestMethod)) return null;
            boolean rest = !pattern.isEmpty() && pattern.get(pattern.size() - 1).equals("**");
            int fixed = rest ? pattern.size() - 1 : pattern.size();
            if (rest ? path.size() < fixed : path.size() != fixed) return null;
            Map<String, String> params = new HashMap<>();
            for (int i = 0; i < fixed; i++) {
                String p = pattern.get(i);
                if (p.startsWith("{") && p.endsWith("}")) params.put(p.substring(1, p.length() - 1), path.get(i));
                else if (!p.equals(path.get(i))) return null;
            }
            return params;
        }
    }

    private final List<Route> routes = new ArrayList<>();

    /** Adds a route; {@code pattern} like {@code /subjects/{subject}/versions}. */
    Routes add(String method, String pattern, Handler handler) {
        routes.add(new Route(Objects.requireNonNull(method), segments(pattern), Objects.requireNonNull(handler)));
        return this;
    }

    /** The answer of the first route that matches; 404 when none does. */
    Object dispatch(String method, List<String> path, Map<String, String> query, JsonNode body) {
        for (Route route : routes) {
            Map<String, String> params = route.match(method, path);
            if (params != null) return route.handler().handle(new Request(method, params, query, body));
        }
        throw new SchemaRegistryException(404, 404, "HTTP 404 Not Found");
    }

    private static List<String> segments(String pattern) {
        List<String> result = new ArrayList<>();
        for (String s : pattern.split("/")) if (!s.isEmpty()) result.add(s);
        return List.copyOf(result);
    }
}
