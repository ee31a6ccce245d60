package org.rltf.grader;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgramTextTest {

    @Test
    void linesAndSpansInTheCompletion() {
        String prefix = "def f(x):\n    \"\"\"doc\"\"\"\n";
        String completion = "    y = x\n    return y\n";
        ProgramText p = ProgramText.of(prefix, completion);
        assertThat(p.program()).isEqualTo(prefix + completion);
        assertThat(p.lineCount()).isEqualTo(4);
        assertThat(p.lastNonBlankLine()).isEqualTo(4);
        assertThat(p.completionSpan(1)).isNull();
        assertThat(p.completionSpan(2)).isNull();
        assertThat(p.completionSpan(3)).containsExactly(0, 9);
        assertThat(p.completionSpan(4)).containsExactly(10, 22);
        assertThat(completion.substring(10, 22)).isEqualTo("    return y");
        assertThat(p.clamp(9)).isEqualTo(4);
        assertThat(p.clamp(0)).isEqualTo(1);
    }

    @Test
    void aLineSplitByThePrefixBoundaryIsCutAtTheCompletion() {
        ProgramText p = ProgramText.of("def f(x):\n    return ", "x + 1\n");
        assertThat(p.completionSpan(2)).containsExactly(0, 5);
        assertThat(p.inCompletion(1)).isFalse();
        assertThat(p.inCompletion(2)).isTrue();
    }

    @Test
    void pythonLineBreaks() {
        ProgramText p = ProgramText.of("", "a = 1\r\nb = 2\rc = 3\n\n   \n");
        assertThat(p.lineCount()).isEqualTo(5);
        assertThat(p.line(2)).isEqualTo("b = 2");
        assertThat(p.line(3)).isEqualTo("c = 3");
        assertThat(p.lastNonBlankLine()).isEqualTo(3);
        assertThat(p.completionSpan(3)).containsExactly(13, 18);
    }

    @Test
    void emptyProgram() {
        ProgramText p = ProgramText.of("", "");
        assertThat(p.lineCount()).isEqualTo(1);
        assertThat(p.lastNonBlankLine()).isEqualTo(1);
        assertThat(p.completionSpan(1)).containsExactly(0, 0);
    }

    private static ProgramText.OpenAtEnd end(String text) {
        return ProgramText.of("", text).openAtEnd();
    }

    @Test
    void whatTheTextEndsInside() {
        assertThat(end("def f(x):\n    return x + 1\n")).isEqualTo(ProgramText.OpenAtEnd.NOTHING);
        assertThat(end("")).isEqualTo(ProgramText.OpenAtEnd.NOTHING);
        assertThat(end("x = g(1,\n      2,\n")).isEqualTo(ProgramText.OpenAtEnd.BRACKET);
        assertThat(end("x = [(1, 2), {3: 4}")).isEqualTo(ProgramText.OpenAtEnd.BRACKET);
        assertThat(end("x = [1, 2]  # (not a bracket\n")).isEqualTo(ProgramText.OpenAtEnd.NOTHING);
        assertThat(end("x = ')' + \"[\"\n")).as("brackets in strings").isEqualTo(ProgramText.OpenAtEnd.NOTHING);
        assertThat(end("def f():\n    \"\"\"Returns\n    the")).isEqualTo(ProgramText.OpenAtEnd.STRING);
        assertThat(end("s = '''a ''' + r'''b\\\\''' + '''c")).isEqualTo(ProgramText.OpenAtEnd.STRING);
        assertThat(end("s = r'''b\\''' + '''c")).as("an escaped quote does not close a raw string either")
                .isEqualTo(ProgramText.OpenAtEnd.NOTHING);
        assertThat(end("s = 'it\\'s")).isEqualTo(ProgramText.OpenAtEnd.STRING);
        assertThat(end("print(f'{x} and")).isEqualTo(ProgramText.OpenAtEnd.STRING);
        assertThat(end("s = 'abc\nprint(s)\n")).as("a one-line string ends at its line's end")
                .isEqualTo(ProgramText.OpenAtEnd.NOTHING);
        assertThat(end("x = 1 + \\\n")).isEqualTo(ProgramText.OpenAtEnd.CONTINUATION);
        assertThat(end("x = 1 + \\\n    2\n")).isEqualTo(ProgramText.OpenAtEnd.NOTHING);
        assertThat(end("def f(x):\n    if x:\n        # later\n\n")).isEqualTo(ProgramText.OpenAtEnd.BLOCK);
        assertThat(end("d = {1: 2}\nx: int = 3\n")).isEqualTo(ProgramText.OpenAtEnd.NOTHING);
        assertThat(end("class A:\r\n    def f(self):\r\n")).isEqualTo(ProgramText.OpenAtEnd.BLOCK);
        // An extra closing bracket is the program's error, not an opening one.
        assertThat(end("x = 1)\ny = 2\n")).isEqualTo(ProgramText.OpenAtEnd.NOTHING);
    }
}
