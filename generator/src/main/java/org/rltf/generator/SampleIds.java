package org.rltf.generator;

import java.util.Optional;

/**
 * Sample ids: {@code <problem id>@v<policy version>/<generator id>/<round>/<index>}, index {@code g} for the greedy
 * program and 0..k-1 for the sampled ones; round counts this generator's rounds under that policy version from 0.
 * Problem ids may contain '/', so ids are parsed from the right. The id is unique as long as a generator id is
 * used by one generator at a time, and a restarted generator continues its round count ({@link ResumePoint} finds
 * its newest round of the current version in the samples topic).
 */
public record SampleIds(String problemId, long version, String generatorId, long round, String index) {
    public static final String GREEDY = "g";

    public static String format(String problemId, long version, String generatorId, long round, String index) {
        return problemId + "@v" + version + "/" + generatorId + "/" + round + "/" + index;
    }

    @Override public String toString() {
        return format(problemId, version, generatorId, round, index);
    }

    /** The parts of a sample id this class formatted; empty for any other string. */
    public static Optional<SampleIds> parse(String id) {
        if (id == null) return Optional.empty();
        int i3 = id.lastIndexOf('/');
        if (i3 <= 0) return Optional.empty();
        int i2 = id.lastIndexOf('/', i3 - 1);
        if (i2 <= 0) return Optional.empty();
        int i1 = id.lastIndexOf('/', i2 - 1);
        if (i1 <= 0) return Optional.empty();
        String head = id.substring(0, i1);
        int at = head.lastIndexOf("@v");
        if (at <= 0) return Optional.empty();
        try {
            long version = Long.parseLong(head.substring(at + 2));
            long round = Long.parseLong(id.substring(i2 + 1, i3));
            String generator = id.substring(i1 + 1, i2);
            String index = id.substring(i3 + 1);
            if (generator.isEmpty() || index.isEmpty() || version < 0 || round < 0) return Optional.empty();
            return Optional.of(new SampleIds(head.substring(0, at), version, generator, round, index));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
