package dev.baton.lang.internal.parse;

import dev.baton.lang.Span;

/**
 * One token. {@code text} is the decoded value for strings and the source text otherwise;
 * {@code lineStart} says whether the token is the first on its line, which the parser uses
 * for the few places where a line break matters (after {@code return}, before a call's
 * {@code (} or an index's {@code [}).
 */
public record Token(TokenKind kind, String text, Span span, boolean lineStart) {
    public boolean is(TokenKind k) {
        return kind == k;
    }

    public boolean isWord(String word) {
        return kind == TokenKind.IDENT && text.equals(word);
    }
}
