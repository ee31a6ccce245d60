package org.rltf.grader;

import java.util.ArrayList;
import java.util.List;

/**
 * The program graded, {@code code_prefix + completion}, with its lines as Python numbers them
 * ({@code \n}, {@code \r\n} and a lone {@code \r} each end a line), so that a line number from a
 * traceback maps back to characters of the completion. Offsets are Java {@code char} indices, the
 * unit of Sample.token_starts/token_ends. It also tells whether the text ends in the middle of
 * something ({@link #openAtEnd()}), which is how a generation cut off by its token limit looks.
 */
public final class ProgramText {

    /** What the text is still inside of where it ends. */
    public enum OpenAtEnd {
        /** Nothing: the text ends between statements. */
        NOTHING,
        /** An unclosed {@code (}, {@code [} or <code>{</code>. */
        BRACKET,
        /** A string literal (one-line or triple-quoted) that the text ends inside. */
        STRING,
        /** A backslash line continuation. */
        CONTINUATION,
        /** A compound statement's header ({@code if x:}) whose body never comes. */
        BLOCK
    }

    private final String prefix;
    private final String program;
    private final int[] lineStarts;   // lineStarts[i]: offset where line i+1 starts
    private final int[] lineEnds;     // lineEnds[i]: offset after line i+1's last character (before its line break)
    private final int lastNonBlankLine;
    private final OpenAtEnd openAtEnd;

    private ProgramText(String prefix, String completion) {
        this.prefix = prefix;
        this.program = prefix + completion;
        List<int[]> lines = new ArrayList<>();
        int start = 0;
        int n = program.length();
        for (int i = 0; i < n; i++) {
            char c = program.charAt(i);
            if (c == '\n' || c == '\r') {
                lines.add(new int[] {start, i});
                if (c == '\r' && i + 1 < n && program.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        if (start < n || lines.isEmpty()) lines.add(new int[] {start, n});
        lineStarts = new int[lines.size()];
        lineEnds = new int[lines.size()];
        int last = 1;
        for (int i = 0; i < lines.size(); i++) {
            lineStarts[i] = lines.get(i)[0];
            lineEnds[i] = lines.get(i)[1];
            if (!program.substring(lineStarts[i], lineEnds[i]).isBlank()) last = i + 1;
        }
        lastNonBlankLine = last;
        openAtEnd = scanEnd(program);
    }

    /**
     * Python's lexical structure, as far as it decides where the text ends: comments, string literals (any prefix;
     * a backslash escapes the next character, in raw strings too, as far as termination goes), brackets, backslash
     * continuations, and the last significant character outside brackets. A one-line string that meets a line end
     * is closed there (Python reports it on that line); only one the text ends inside counts as open.
     */
    private static OpenAtEnd scanEnd(String text) {
        int depth = 0;
        char lastSignificant = 0;    // outside brackets, strings and comments
        boolean continued = false;   // the last thing was a backslash continuation
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '#') {
                while (i < n && text.charAt(i) != '\n' && text.charAt(i) != '\r') i++;
                continue;
            }
            if (c == '\'' || c == '"') {
                boolean triple = i + 2 < n && text.charAt(i + 1) == c && text.charAt(i + 2) == c;
                i += triple ? 3 : 1;
                boolean closed = false;
                while (i < n) {
                    char d = text.charAt(i);
                    if (d == '\\') {
                        i += (i + 2 < n && text.charAt(i + 1) == '\r' && text.charAt(i + 2) == '\n') ? 3 : 2;
                    } else if (!triple && (d == '\n' || d == '\r')) {
                        closed = true;   // unterminated one-line string: Python names this line
                        break;
                    } else if (d == c && (!triple || (i + 2 < n && text.charAt(i + 1) == c && text.charAt(i + 2) == c))) {
                        i += triple ? 3 : 1;
                        closed = true;
                        break;
                    } else {
                        i++;
                    }
                }
                if (!closed) return OpenAtEnd.STRING;
                if (depth == 0) lastSignificant = c;
                continued = false;
                continue;
            }
            if (c == '\\') {
                int next = i + 1;
                if (next < n && text.charAt(next) == '\r' && next + 1 < n && text.charAt(next + 1) == '\n') next++;
                if (next >= n || text.charAt(next) == '\n' || text.charAt(next) == '\r') {
                    continued = true;
                    i = next + 1;
                    continue;
                }
                i += 2;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
                if (depth == 0) lastSignificant = c;
            } else if (depth == 0 && !Character.isWhitespace(c)) {
                lastSignificant = c;
            }
            if (!Character.isWhitespace(c)) continued = false;
            i++;
        }
        if (depth > 0) return OpenAtEnd.BRACKET;
        if (continued) return OpenAtEnd.CONTINUATION;
        if (lastSignificant == ':') return OpenAtEnd.BLOCK;
        return OpenAtEnd.NOTHING;
    }

    public static ProgramText of(String codePrefix, String completion) {
        return new ProgramText(codePrefix == null ? "" : codePrefix, completion == null ? "" : completion);
    }

    /** The program as run. */
    public String program() {
        return program;
    }

    /** Lines of the program (a final line break does not start another line). */
    public int lineCount() {
        return lineStarts.length;
    }

    /** The last line with anything but whitespace (1 for an empty program). */
    public int lastNonBlankLine() {
        return lastNonBlankLine;
    }

    /**
     * What the program's text is still inside of where it ends: a generation cut off by its token limit ends inside
     * a bracket, a string or before a block, whatever line Python's error names.
     */
    public OpenAtEnd openAtEnd() {
        return openAtEnd;
    }

    /** {@code line} moved into [1, lineCount()]: compilers report end-of-file errors one line past the end. */
    public int clamp(int line) {
        return Math.max(1, Math.min(line, lineCount()));
    }

    /** Whether line {@code line} (1-based) starts in the completion rather than the code prefix. */
    public boolean inCompletion(int line) {
        return completionSpan(line) != null;
    }

    /**
     * The character range {@code [start, end)} of line {@code line} within the completion, without its
     * line break; null if the line lies wholly in the code prefix. A line that starts in the prefix and
     * ends in the completion is cut at the completion's start.
     */
    public int[] completionSpan(int line) {
        int l = clamp(line);
        int start = lineStarts[l - 1];
        int end = lineEnds[l - 1];
        int p = prefix.length();
        if (start < p && end <= p) return null;
        return new int[] {Math.max(start, p) - p, end - p};
    }

    /** The text of line {@code line} (1-based), without its line break. */
    public String line(int line) {
        int l = clamp(line);
        return program.substring(lineStarts[l - 1], lineEnds[l - 1]);
    }
}
