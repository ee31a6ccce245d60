package org.rltf.kernel;

import java.util.List;

import org.apache.kafka.common.config.ConfigDef;

/**
 * A service's keys as help text, generated from its ConfigDefs: name, type, default, valid values and
 * documentation, as a user reads them in a terminal ({@code --help}). The environment variable of each key is
 * shown too ({@link ConfigContract#envName}).
 */
public final class ConfigHelp {
    private ConfigHelp() {
    }

    /** Every key of {@code spec}, in definition order, then how the other sources map onto them. */
    public static String describe(ServiceSpec spec) {
        StringBuilder out = new StringBuilder();
        for (ConfigDef.ConfigKey key : spec.config().configKeys().values()) describe(out, key);
        out.append("Kafka client settings: security and other keys every client understands (security.protocol, ")
                .append("ssl.*, sasl.*, request.timeout.ms, ...) reach every client the service opens");
        if (!spec.clientPrefixes().isEmpty())
            out.append("; a key for one kind of client takes its prefix (").append(String.join(", ",
                    spec.clientPrefixes().stream().map(p -> p + "*").toList())).append(")");
        out.append(".\nSources, highest first: the command line, environment variables (RLTF_<KEY>, e.g. ")
                .append("RLTF_BOOTSTRAP_SERVERS; Kafka client keys as RLTF_KAFKA_<KEY>), a properties file ")
                .append("(--config-file), the defaults above. An unknown key is an error.\n");
        if (!spec.renamed().isEmpty()) {
            out.append("Old names still accepted (deprecated): ");
            List<String> pairs = spec.renamed().entrySet().stream().map(e -> e.getKey() + " -> " + e.getValue()).toList();
            out.append(String.join(", ", pairs)).append(".\n");
        }
        return out.toString();
    }

    private static void describe(StringBuilder out, ConfigDef.ConfigKey key) {
        out.append("  ").append(key.name).append("  (").append(key.type.name().toLowerCase(java.util.Locale.ROOT));
        if (key.hasDefault()) out.append(", default ").append(defaultText(key));
        else out.append(", required");
        if (key.validator != null) out.append(", valid: ").append(key.validator);
        out.append(")  ").append(ConfigContract.envName(key.name)).append('\n');
        for (String line : wrap(key.documentation == null ? "" : key.documentation, 100))
            out.append("      ").append(line).append('\n');
    }

    private static String defaultText(ConfigDef.ConfigKey key) {
        Object v = key.defaultValue;
        if (v == null) return "null";
        String s = ConfigDef.convertToString(v, key.type);
        return s == null || s.isEmpty() ? "\"\"" : s;
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split("\\s+")) {
            if (word.isEmpty()) continue;
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) line.append(' ');
            line.append(word);
        }
        if (line.length() > 0) lines.add(line.toString());
        return lines;
    }
}
