package org.rltf.kernel;

import org.apache.kafka.common.config.ConfigException;

/**
 * A configuration key that the service does not read: a typo, or a key meant for another service. Thrown at
 * start-up, before anything runs, so a mistyped service never joins a live run with a setting silently dropped.
 */
public final class UnknownConfigException extends ConfigException {
    private final String key;
    private final String nearest;

    public UnknownConfigException(String service, String key, String source, String nearest) {
        super("unknown configuration key '" + key + "'" + (source == null ? "" : " (" + source + ")") + " for the "
                + service + (nearest == null ? "" : "; did you mean '" + nearest + "'?"));
        this.key = key;
        this.nearest = nearest;
    }

    /** The key as given. */
    public String key() { return key; }

    /** The valid key nearest to it (edit distance), or null. */
    public String nearest() { return nearest; }
}
