package dev.baton.runtime.internal.compile;

import dev.baton.lang.CheckResult;
import dev.baton.lang.SourceFile;
import dev.baton.lang.ast.Decl;
import dev.baton.lang.internal.DiagnosticSink;
import dev.baton.lang.internal.parse.Lexer;
import dev.baton.lang.internal.parse.Token;
import dev.baton.lang.internal.parse.TokenKind;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a program means, as digests that comments and layout do not change: the program's
 * tokens (comments dropped, whitespace dropped, a line break kept only where the grammar reads
 * one — before {@code (} and {@code [}, after {@code return}), digested whole and per top-level
 * declaration. A data directory resumes under a program of the same meaning; when the meaning
 * differs, the declarations whose digests differ say what changed.
 */
public final class Meaning {
    private Meaning() {
    }

    /**
     * A program's meaning: the digest of the whole, and of each top-level declaration
     * ({@code Workflow Pursue}, {@code Module Ledger}, {@code Report}…) in source order.
     */
    public record Digests(String whole, Map<String, String> declarations) {
    }

    /** The digests of a checked program's meaning (its text lexed once). */
    public static Digests of(CheckResult checked) {
        List<Token> tokens = tokens(checked.file());
        Map<String, String> decls = new LinkedHashMap<>();
        for (Decl d : checked.program().decls()) {
            String name = name(d);
            String key = decls.containsKey(name) ? name + "@" + d.span().start() : name;
            decls.put(key, digest(canonical(tokens, d.span().start(), d.span().end())));
        }
        return new Digests(digest(canonical(tokens, 0, Integer.MAX_VALUE)), java.util.Collections.unmodifiableMap(decls));
    }

    static String name(Decl d) {
        if (d instanceof Decl.Version) return "version";
        if (d instanceof Decl.Shape s) return "Shape " + s.name().text();
        if (d instanceof Decl.Event e) return "Event " + e.name().text();
        if (d instanceof Decl.State s) return "$" + s.name().text();
        if (d instanceof Decl.Constraint c) return "Constraint " + c.name().text();
        if (d instanceof Decl.Module m) return "Module " + m.name().text();
        if (d instanceof Decl.Workflow w) return "Workflow " + w.name().text();
        if (d instanceof Decl.Ai a) return "AI " + a.name().text();
        if (d instanceof Decl.Migration m) return "Migration from " + m.from();
        if (d instanceof Decl.Load l) return "Load " + l.name().text();
        if (d instanceof Decl.Fault f) return "Fault " + f.name().text();
        if (d instanceof Decl.Report) return "Report";
        if (d instanceof Decl.Parameter p) return "Param " + p.name().text();
        return d.getClass().getSimpleName();
    }

    private static List<Token> tokens(SourceFile file) {
        return new Lexer(file, new DiagnosticSink(file)).run().tokens();
    }

    private static String canonical(List<Token> tokens, int from, int to) {
        StringBuilder b = new StringBuilder();
        Token prev = null;
        // tokens are in source order: start at the first at or after from (a declaration's tokens
        // are found in time proportional to them, not to the program)
        int lo = 0;
        int hi = tokens.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (tokens.get(mid).span().start() < from) lo = mid + 1;
            else hi = mid;
        }
        for (int i = lo; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.span().start() >= to) break;
            if (t.is(TokenKind.EOF)) continue;
            boolean breakMatters = t.text().equals("(") || t.text().equals("[") || prev != null && prev.isWord("return");
            b.append(t.lineStart() && breakMatters ? '\n' : ' ').append(t.kind().name()).append(':').append(t.text());
            prev = t;
        }
        return b.toString();
    }

    /** The first 16 hex digits of the SHA-256 of {@code text}. */
    static String digest(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
