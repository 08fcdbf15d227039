package dev.baton.lang;

/**
 * Renders diagnostics like a compiler: a headline, the source line and a caret under the span.
 *
 * <pre>
 * world-boss.baton:12:30: error[B0203]: unknown endpoint 'ApplyDamge' on GlobalAuthority; did you mean 'ApplyDamage'?
 *    12 |         Call GlobalAuthority.ApplyDamge { delta: $buffer }
 *       |                              ^~~~~~~~~~
 * </pre>
 */
public final class DiagnosticRenderer {
    private static final int MAX_SHOWN_LINE = 160;

    private DiagnosticRenderer() {
    }

    public static String render(Diagnostic d) {
        StringBuilder out = new StringBuilder(d.headline()).append('\n');
        SourceFile file = d.file();
        if (file.text().isEmpty()) {
            return out.toString();
        }
        int line = d.line();
        String text = file.lineText(line);
        int col = d.column() - 1;
        int spanEnd = d.endLine() == line ? d.endColumn() - 1 : text.length();
        int caretLen = Math.max(1, spanEnd - col);
        // Very long lines (minified or generated input) are shown around the caret only.
        int from = 0;
        if (text.length() > MAX_SHOWN_LINE) {
            from = Math.max(0, Math.min(col - 40, text.length() - MAX_SHOWN_LINE));
            text = text.substring(from, Math.min(text.length(), from + MAX_SHOWN_LINE));
            col -= from;
            caretLen = Math.min(caretLen, Math.max(1, text.length() - col));
        }
        String gutter = String.valueOf(line);
        String pad = " ".repeat(Math.max(5, gutter.length() + 1));
        out.append(pad, 0, pad.length() - gutter.length()).append(gutter).append(" | ");
        StringBuilder marker = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean printable = c == '\t' || c >= ' ' && c != 0x7f && !Character.isISOControl(c);
            out.append(printable ? c : '?');
            if (i < col) marker.append(c == '\t' ? '\t' : ' ');
        }
        if (col > text.length()) {
            marker.append(" ".repeat(col - text.length()));
        }
        out.append('\n').append(pad).append(" | ").append(marker).append('^');
        if (caretLen > 1) out.append("~".repeat(caretLen - 1));
        return out.append('\n').toString();
    }
}
