package dev.baton.lang.internal.parse;

import dev.baton.lang.Code;
import dev.baton.lang.SourceFile;
import dev.baton.lang.Span;
import dev.baton.lang.ast.Comment;
import dev.baton.lang.internal.DiagnosticSink;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns source text into tokens and comments.
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li>Line breaks are not tokens. Each token records whether it starts a line; the parser
 *       consults that in the few places where a break matters.</li>
 *   <li>Keywords are ordinary identifiers here: {@code Saga} in {@code Saga.TriggerVictorySequence()}
 *       is a name, in {@code Saga { }} a keyword. The parser decides by context.</li>
 *   <li>Errors never stop the lexer: a bad character is reported once per run of bad
 *       characters and skipped; a bad number still yields a number token.</li>
 *   <li>A number immediately followed by {@code ms s m h d} is a duration.</li>
 * </ul>
 */
public final class Lexer {
    private final String src;
    private final DiagnosticSink sink;
    private final List<Token> tokens = new ArrayList<>();
    private final List<Comment> comments = new ArrayList<>();
    private int pos;
    private boolean atLineStart = true;

    public Lexer(SourceFile file, DiagnosticSink sink) {
        this.src = file.text();
        this.sink = sink;
    }

    public List<Token> tokens() {
        return tokens;
    }

    public List<Comment> comments() {
        return comments;
    }

    public Lexer run() {
        int badStart = -1;
        int badCount = 0;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '\n') {
                atLineStart = true;
                pos++;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\uFEFF') {
                pos++;
                continue;
            }
            int before = pos;
            boolean ok = scan(c);
            if (!ok) {
                if (badStart < 0) badStart = before;
                badCount++;
                pos = Math.max(pos, before + 1);
                continue;
            }
            if (badStart >= 0) {
                reportBad(badStart, badCount);
                badStart = -1;
                badCount = 0;
            }
        }
        if (badStart >= 0) reportBad(badStart, badCount);
        tokens.add(new Token(TokenKind.EOF, "", new Span(src.length(), src.length()), true));
        return this;
    }

    private void reportBad(int start, int count) {
        char c = src.charAt(start);
        String what = c < ' ' || c == 0x7f || c == '\uFFFD'
                ? String.format("character U+%04X", (int) c)
                : "character '" + c + "'";
        String more = count > 1 ? " (and " + (count - 1) + " more)" : "";
        sink.report(new Span(start, start + 1), Code.UNEXPECTED_CHARACTER, "unexpected " + what + more);
    }

    private boolean scan(char c) {
        int start = pos;
        switch (c) {
            case '#' -> {
                while (pos < src.length() && src.charAt(pos) != '\n') pos++;
                int end = pos;
                // a comment ends before the line break, whatever its spelling (\r\n, \r\r\n …)
                while (end > start && src.charAt(end - 1) == '\r') end--;
                comments.add(new Comment(src.substring(start, end), new Span(start, end)));
                return true;
            }
            case '"' -> {
                string();
                return true;
            }
            case '$' -> {
                pos++;
                if (pos < src.length() && isIdentStart(src.charAt(pos))) {
                    while (pos < src.length() && isIdentPart(src.charAt(pos))) pos++;
                    add(TokenKind.VAR, start);
                    return true;
                }
                sink.report(new Span(start, pos), Code.UNEXPECTED_CHARACTER, "expected a name after '$'");
                return true;
            }
            case '(' -> op(TokenKind.LPAREN, 1);
            case ')' -> op(TokenKind.RPAREN, 1);
            case '{' -> op(TokenKind.LBRACE, 1);
            case '}' -> op(TokenKind.RBRACE, 1);
            case '[' -> op(TokenKind.LBRACKET, 1);
            case ']' -> op(TokenKind.RBRACKET, 1);
            case ',' -> op(TokenKind.COMMA, 1);
            case ';' -> op(TokenKind.SEMI, 1);
            case ':' -> op(TokenKind.COLON, 1);
            case '?' -> op(TokenKind.QUESTION, 1);
            case '%' -> op(TokenKind.PERCENT, 1);
            case '.' -> {
                if (peek(1) == '.') op(TokenKind.DOTDOT, 2);
                else op(TokenKind.DOT, 1);
            }
            case '+' -> {
                if (peek(1) == '=') op(TokenKind.PLUS_EQ, 2);
                else op(TokenKind.PLUS, 1);
            }
            case '-' -> {
                if (peek(1) == '=') op(TokenKind.MINUS_EQ, 2);
                else if (peek(1) == '>') op(TokenKind.ARROW, 2);
                else op(TokenKind.MINUS, 1);
            }
            case '*' -> {
                if (peek(1) == '=') op(TokenKind.STAR_EQ, 2);
                else op(TokenKind.STAR, 1);
            }
            case '/' -> {
                if (peek(1) == '=') op(TokenKind.SLASH_EQ, 2);
                else op(TokenKind.SLASH, 1);
            }
            case '=' -> {
                if (peek(1) == '=') op(TokenKind.EQEQ, 2);
                else op(TokenKind.EQ, 1);
            }
            case '!' -> {
                if (peek(1) == '=') op(TokenKind.BANG_EQ, 2);
                else op(TokenKind.BANG, 1);
            }
            case '<' -> {
                if (peek(1) == '=') op(TokenKind.LE, 2);
                else op(TokenKind.LT, 1);
            }
            case '>' -> {
                if (peek(1) == '=') op(TokenKind.GE, 2);
                else op(TokenKind.GT, 1);
            }
            case '&' -> {
                if (peek(1) != '&') return false;
                op(TokenKind.AMPAMP, 2);
            }
            case '|' -> {
                if (peek(1) == '|') op(TokenKind.PIPEPIPE, 2);
                else op(TokenKind.PIPE, 1);
            }
            default -> {
                if (isDigit(c)) {
                    number();
                    return true;
                }
                if (isIdentStart(c)) {
                    while (pos < src.length() && isIdentPart(src.charAt(pos))) pos++;
                    add(TokenKind.IDENT, start);
                    return true;
                }
                return false;
            }
        }
        return true;
    }

    private void op(TokenKind kind, int len) {
        int start = pos;
        pos += len;
        add(kind, start);
    }

    private char peek(int ahead) {
        int i = pos + ahead;
        return i < src.length() ? src.charAt(i) : '\0';
    }

    private void add(TokenKind kind, int start) {
        addText(kind, src.substring(start, pos), start);
    }

    private void addText(TokenKind kind, String text, int start) {
        tokens.add(new Token(kind, text, new Span(start, pos), atLineStart));
        atLineStart = false;
    }

    private void number() {
        int start = pos;
        boolean isFloat = false;
        digits();
        if (peek(0) == '.' && isDigit(peek(1))) {
            isFloat = true;
            pos++;
            digits();
        }
        if ((peek(0) == 'e' || peek(0) == 'E')
                && (isDigit(peek(1)) || (peek(1) == '+' || peek(1) == '-') && isDigit(peek(2)))) {
            isFloat = true;
            pos += 2;
            digits();
        }
        int numEnd = pos;
        if (pos < src.length() && isIdentStart(src.charAt(pos))) {
            int unitStart = pos;
            while (pos < src.length() && isIdentPart(src.charAt(pos))) pos++;
            String unit = src.substring(unitStart, pos);
            if (unit.equals("ms") || unit.equals("s") || unit.equals("m") || unit.equals("h") || unit.equals("d")) {
                add(TokenKind.DURATION, start);
                return;
            }
            sink.report(new Span(start, pos), Code.BAD_NUMBER,
                    "malformed number '" + src.substring(start, pos) + "'; durations end in ms, s, m, h or d");
            addText(TokenKind.INT, "0", start);
            return;
        }
        String text = src.substring(start, numEnd);
        if (text.endsWith("_") || text.contains("__") || text.contains("_.") || text.contains("._")) {
            sink.report(new Span(start, numEnd), Code.BAD_NUMBER, "misplaced '_' in number '" + text + "'");
        }
        add(isFloat ? TokenKind.FLOAT : TokenKind.INT, start);
    }

    private void digits() {
        while (pos < src.length() && (isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
    }

    private void string() {
        int start = pos;
        pos++; // opening quote
        StringBuilder value = new StringBuilder();
        while (true) {
            if (pos >= src.length() || src.charAt(pos) == '\n') {
                sink.report(new Span(start, pos), Code.UNTERMINATED_STRING,
                        "unterminated string; expect '\"' before the end of the line");
                addText(TokenKind.STRING, value.toString(), start);
                return;
            }
            char c = src.charAt(pos);
            if (c == '"') {
                pos++;
                addText(TokenKind.STRING, value.toString(), start);
                return;
            }
            if (c == '\\') {
                int escStart = pos;
                pos++;
                char e = peek(0);
                switch (e) {
                    case 'n' -> value.append('\n');
                    case 't' -> value.append('\t');
                    case 'r' -> value.append('\r');
                    case '0' -> value.append('\0');
                    case '"' -> value.append('"');
                    case '\\' -> value.append('\\');
                    case 'u' -> {
                        if (peek(1) == '{') {
                            int close = src.indexOf('}', pos);
                            int nl = src.indexOf('\n', pos);
                            if (close > 0 && (nl < 0 || close < nl) && close - pos - 2 <= 6) {
                                String hex = src.substring(pos + 2, close);
                                try {
                                    int cp = Integer.parseInt(hex, 16);
                                    if (cp >= 0xD800 && cp <= 0xDFFF) {
                                        // half of a UTF-16 pair, not a character: no file could hold it
                                        sink.report(new Span(escStart, close + 1), Code.BAD_ESCAPE,
                                                "\\u{" + hex + "} is a surrogate, not a character; write the character's own code point");
                                        pos = close + 1;
                                        continue;
                                    }
                                    value.appendCodePoint(cp);
                                    pos = close + 1;
                                    continue;
                                } catch (IllegalArgumentException bad) {
                                    // reported below
                                }
                            }
                        }
                        sink.report(new Span(escStart, Math.min(pos + 1, src.length())), Code.BAD_ESCAPE,
                                "invalid unicode escape; write \\u{hex} with 1 to 6 hex digits");
                    }
                    default -> {
                        if (e == '\n' || e == '\0' && pos >= src.length()) continue;
                        sink.report(new Span(escStart, pos + 1), Code.BAD_ESCAPE,
                                "invalid escape '\\" + e + "'; valid escapes are \\n \\t \\r \\0 \\\" \\\\ \\u{hex}");
                    }
                }
                pos++;
                continue;
            }
            value.append(c);
            pos++;
        }
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isIdentStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
    }

    static boolean isIdentPart(char c) {
        return isIdentStart(c) || isDigit(c);
    }
}
