package dev.baton.lang;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expectations written inside a {@code .baton} file, in the style of Crafting Interpreters'
 * tests: {@code # expect: B0201 "did you mean '$x'?"} on the line where a diagnostic must
 * start. Several codes are separated by commas; the quoted text, if any, must occur in the
 * first code's message. A file without expectations must check without any diagnostic.
 */
final class Expectations {
    record Expected(int line, String code, String fragment) {
    }

    private static final Pattern EXPECT = Pattern.compile("#\\s*expect:\\s*([A-Z0-9, ]+?)\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\")?\\s*$");

    private Expectations() {
    }

    static List<Expected> read(SourceFile file) {
        List<Expected> out = new ArrayList<>();
        for (int line = 1; line <= file.lineCount(); line++) {
            Matcher m = EXPECT.matcher(file.lineText(line));
            if (!m.find()) continue;
            String fragment = m.group(2) == null ? null : m.group(2).replace("\\\"", "\"").replace("\\\\", "\\");
            boolean first = true;
            for (String code : m.group(1).split(",")) {
                if (code.isBlank()) continue;
                out.add(new Expected(line, code.trim(), first ? fragment : null));
                first = false;
            }
        }
        return out;
    }

    /** Empty when the diagnostics match the expectations exactly; otherwise a readable report. */
    static String compare(SourceFile file, List<Diagnostic> actual) {
        List<Expected> expected = read(file);
        List<Diagnostic> unmatched = new ArrayList<>(actual);
        List<Expected> missing = new ArrayList<>();
        for (Expected e : expected) {
            Iterator<Diagnostic> it = unmatched.iterator();
            boolean found = false;
            while (it.hasNext()) {
                Diagnostic d = it.next();
                if (d.line() == e.line() && d.code().id().equals(e.code())
                        && (e.fragment() == null || d.message().contains(e.fragment()))) {
                    it.remove();
                    found = true;
                    break;
                }
            }
            if (!found) missing.add(e);
        }
        if (missing.isEmpty() && unmatched.isEmpty()) return "";
        StringBuilder b = new StringBuilder(file.name()).append(":\n");
        for (Expected e : missing) {
            b.append("  missing  line ").append(e.line()).append(' ').append(e.code())
                    .append(e.fragment() == null ? "" : " \"" + e.fragment() + "\"").append('\n');
        }
        for (Diagnostic d : unmatched) {
            b.append("  unexpected ").append(DiagnosticRenderer.render(d).replace("\n", "\n    ")).append('\n');
        }
        return b.toString();
    }
}
