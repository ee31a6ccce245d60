package org.rltf.grader;

import java.util.ArrayList;
import java.util.List;

/**
 * The program graded, {@code code_prefix + completion}, with its lines as Python numbers them
 * ({@code \n}, {@code \r\n} and a lone {@code \r} each end a line), so that a line number from a
 * traceback maps back to characters of the completion. Offsets are Java {@code char} indices, the
 * unit of Sample.token_starts/token_ends.
 */
public final class ProgramText {

    private final String prefix;
    private final String program;
    private final int[] lineStarts;   // lineStarts[i]: offset where line i+1 starts
    private final int[] lineEnds;     // lineEnds[i]: offset after line i+1's last character (before its line break)
    private final int lastNonBlankLine;

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
