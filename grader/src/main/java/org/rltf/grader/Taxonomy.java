package org.rltf.grader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.apache.kafka.common.config.ConfigException;
import org.rltf.events.ErrorCategory;

/**
 * The fine-grained error taxonomy (RLTF-METHOD.md section 2) as data: an ordered table of rules, each
 * matching an error's stage, class, message and where its line lies, first match wins. The built-in
 * table is the resource {@code org/rltf/grader/taxonomy.tsv}, which also documents the format; users
 * replace it with {@link GraderConfig#TAXONOMY_FILE_CONFIG}.
 */
public final class Taxonomy {

    /** Where the error happened. */
    public enum Stage {
        /** The program does not compile. */
        COMPILE,
        /** An error while running one of its tests. */
        RUN
    }

    /**
     * Where the error's line lies in the program, or (TRUNCATED) that the program's text ends inside a bracket, a
     * string or before a block, whatever line the error names.
     */
    enum LineCondition { ANY, KNOWN, UNKNOWN, LAST, NOT_LAST, TRUNCATED }

    record Rule(Stage stage, Pattern errorClass, Pattern message, LineCondition line, ErrorCategory category, int tableLine) {
        boolean matches(Stage s, String cls, String msg, Integer errorLine, int lastLine, boolean truncated) {
            if (stage != null && stage != s) return false;
            if (!errorClass.matcher(cls).matches()) return false;
            if (!message.matcher(msg).find()) return false;
            return switch (line) {
                case ANY -> true;
                case KNOWN -> errorLine != null;
                case UNKNOWN -> errorLine == null;
                case LAST -> errorLine != null && errorLine >= lastLine;
                case NOT_LAST -> errorLine != null && errorLine < lastLine;
                case TRUNCATED -> truncated;
            };
        }
    }

    private static final String BUILT_IN = "org/rltf/grader/taxonomy.tsv";

    private final List<Rule> rules;
    private final String source;

    private Taxonomy(List<Rule> rules, String source) {
        this.rules = List.copyOf(rules);
        this.source = source;
    }

    /** The built-in table. */
    public static Taxonomy builtIn() {
        try (InputStream in = Taxonomy.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
            if (in == null) throw new IllegalStateException("missing resource " + BUILT_IN);
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), BUILT_IN);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + BUILT_IN, e);
        }
    }

    /** The table in {@code file}; a bad rule fails naming the file, line and problem. */
    public static Taxonomy load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new ConfigException(GraderConfig.TAXONOMY_FILE_CONFIG, file.toString(), "cannot read: " + e.getMessage());
        }
    }

    /** The table configured by {@code config}: its taxonomy file, or the built-in one. */
    public static Taxonomy of(GraderConfig config) {
        return config.taxonomyFile() == null ? builtIn() : load(Path.of(config.taxonomyFile()));
    }

    /** Parses a table; {@code source} names it in errors. */
    public static Taxonomy parse(String text, String source) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.stripLeading().startsWith("#")) continue;
            String[] f = line.split("\t", -1);
            int n = i + 1;
            if (f.length != 5) {
                throw bad(source, n, "expected 5 tab-separated fields (stage, class, message, line, category), got " + f.length);
            }
            Stage stage = switch (f[0].trim().toLowerCase(Locale.ROOT)) {
                case "compile" -> Stage.COMPILE;
                case "run" -> Stage.RUN;
                case "any" -> null;
                default -> throw bad(source, n, "stage must be compile, run or any, not '" + f[0] + "'");
            };
            LineCondition condition;
            try {
                condition = LineCondition.valueOf(f[3].trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad(source, n, "line must be any, known, unknown, last, not_last or truncated, not '" + f[3] + "'");
            }
            ErrorCategory category;
            try {
                category = ErrorCategory.valueOf(f[4].trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad(source, n, "category must be U_LINE, U_GLOBAL or U_IGNORE, not '" + f[4] + "'");
            }
            if (category == ErrorCategory.NONE) throw bad(source, n, "category NONE is for programs without errors");
            try {
                rules.add(new Rule(stage, Pattern.compile(f[1].trim()), Pattern.compile(f[2].trim()), condition, category, n));
            } catch (PatternSyntaxException e) {
                throw bad(source, n, "bad regular expression: " + e.getDescription());
            }
        }
        if (rules.isEmpty()) throw bad(source, 0, "the table has no rules");
        return new Taxonomy(rules, source);
    }

    private static ConfigException bad(String source, int line, String problem) {
        return new ConfigException(GraderConfig.TAXONOMY_FILE_CONFIG, source, (line > 0 ? "line " + line + ": " : "") + problem);
    }

    /**
     * The category of an error.
     *
     * @param errorLine the error's 1-based line in the program, null when unknown
     * @param lastLine  the program's last non-blank line (1-based)
     */
    public ErrorCategory classify(Stage stage, String errorClass, String message, Integer errorLine, int lastLine) {
        return classify(stage, errorClass, message, errorLine, lastLine, false);
    }

    /**
     * The category of an error in a program whose text may end inside a bracket, string or block.
     *
     * @param errorLine the error's 1-based line in the program, null when unknown
     * @param lastLine  the program's last non-blank line (1-based)
     * @param truncated whether the program's text ends inside a bracket, a string or before a block
     *                  ({@link ProgramText#openAtEnd()}): how a generation cut off by its token limit looks
     */
    public ErrorCategory classify(Stage stage, String errorClass, String message, Integer errorLine, int lastLine,
                                  boolean truncated) {
        String cls = errorClass == null ? "" : errorClass;
        String msg = message == null ? "" : message;
        for (Rule rule : rules) {
            if (rule.matches(stage, cls, msg, errorLine, lastLine, truncated)) return rule.category();
        }
        return ErrorCategory.U_IGNORE;
    }

    /** The number of rules. */
    public int size() {
        return rules.size();
    }

    @Override
    public String toString() {
        return "Taxonomy(" + source + ", " + rules.size() + " rules)";
    }
}
