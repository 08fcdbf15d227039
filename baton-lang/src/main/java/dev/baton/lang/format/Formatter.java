package dev.baton.lang.format;

import dev.baton.lang.ParseResult;
import dev.baton.lang.SourceFile;
import dev.baton.lang.ast.Block;
import dev.baton.lang.ast.Comment;
import dev.baton.lang.ast.Decl;
import dev.baton.lang.ast.Expr;
import dev.baton.lang.ast.FieldDecl;
import dev.baton.lang.ast.Member;
import dev.baton.lang.ast.Node;
import dev.baton.lang.ast.Options;
import dev.baton.lang.ast.Param;
import dev.baton.lang.ast.Program;
import dev.baton.lang.ast.Stmt;
import dev.baton.lang.ast.TypeRef;

import java.util.List;
import java.util.function.Consumer;

/**
 * The one canonical layout of a Baton program.
 *
 * <h2>Layout rules</h2>
 * <ul>
 *   <li>Four spaces per level; one statement or member per line; {@code {} } on the line of
 *       the construct that opens it; {@code } else {} } on the closing brace's line.</li>
 *   <li>Blank lines between statements and declarations are kept, at most one; a
 *       declaration with a body is always separated from its neighbours by one.</li>
 *   <li>A map, list or field list stays on one line when it fits in {@value #WIDTH} columns
 *       and holds no comment; otherwise one entry per line.</li>
 *   <li>Parentheses are printed only where precedence needs them, so {@code if ($x > 0)}
 *       becomes {@code if $x > 0}.</li>
 * </ul>
 *
 * <h2>Comments</h2>
 * The tree does not hold comments; the printer walks them in source order beside the tree.
 * Before each line-level element it emits the comments that come before the element in the
 * source; after it, a comment that stood on the same source line stays at the end of the
 * line. A comment inside an expression printed on one line moves to its own line before
 * the next element. No comment is ever dropped, and formatting is idempotent.
 */
public final class Formatter {
    public static final int WIDTH = 100;
    private static final String INDENT = "    ";

    private final SourceFile file;
    private final List<Comment> comments;
    private int nextComment;
    private final StringBuilder out = new StringBuilder();
    private int indent;
    private int lastLine = 0;
    private boolean lineOpen;
    private boolean atBlockStart = true;

    private Formatter(SourceFile file, List<Comment> comments) {
        this.file = file;
        this.comments = comments;
    }

    /**
     * Formats a parsed file. The caller must make sure it parsed without errors: a partial
     * tree would lose the text that failed to parse.
     */
    public static String format(ParseResult parsed) {
        if (parsed.hasErrors()) {
            throw new IllegalArgumentException("cannot format a file with syntax errors");
        }
        Formatter f = new Formatter(parsed.file(), parsed.program().comments());
        f.program(parsed.program());
        return f.out.toString();
    }

    /** A file the formatter cannot print back faithfully: {@code line} of the formatted text is where it goes wrong. */
    public static final class Unprintable extends Exception {
        public final int line;

        Unprintable(String message, int line) {
            super(message, null, false, false);
            this.line = line;
        }
    }

    /**
     * Formats and proves the result: it parses without errors and formats to itself
     * ({@code fmt(fmt(x)) == fmt(x)}). A file whose layout would not survive is refused rather
     * than rewritten into something else.
     */
    public static String formatVerified(ParseResult parsed) throws Unprintable {
        String once = format(parsed);
        ParseResult again = dev.baton.lang.Baton.parse(SourceFile.of(parsed.file().name(), once));
        if (again.hasErrors()) {
            dev.baton.lang.Diagnostic d = again.diagnostics().get(0);
            throw new Unprintable("its formatted text would not parse (" + d.message() + ")", d.line());
        }
        String twice = format(again);
        if (!twice.equals(once)) {
            String[] a = once.split("\n", -1);
            String[] b = twice.split("\n", -1);
            int line = 0;
            while (line < Math.min(a.length, b.length) && a[line].equals(b[line])) line++;
            throw new Unprintable("formatting it twice gives two layouts", line + 1);
        }
        return once;
    }

    // ------------------------------------------------------------------ line machinery

    /** Starts a line for an element beginning at {@code offset}: leading comments, blank line, indent. */
    private void begin(int offset) {
        flushBefore(offset);
        closeLine();
        if (!atBlockStart && file.line(offset) - lastLine > 1) out.append('\n');
        out.append(INDENT.repeat(indent));
        lineOpen = true;
        atBlockStart = false;
    }

    /** Marks the end of an element at source offset {@code end}: its line keeps trailing comments. */
    private void end(int end) {
        lastLine = file.line(Math.max(0, end - 1));
        while (nextComment < comments.size()) {
            Comment c = comments.get(nextComment);
            if (c.span().start() < end - 1 || file.line(c.span().start()) != lastLine) break;
            out.append(' ').append(c.text());
            nextComment++;
        }
    }

    private void closeLine() {
        if (lineOpen) {
            out.append('\n');
            lineOpen = false;
        }
    }

    private void forceBlankBefore() {
        // the next begin() will see a gap of more than one line
        lastLine = Math.min(lastLine, Integer.MIN_VALUE / 2);
    }

    private void text(String s) {
        out.append(s);
    }

    /** Opens a brace at the end of the current line. {@code braceOffset} is the source offset of '{'. */
    private void open(int braceOffset) {
        out.append('{');
        end(braceOffset + 1);
        indent++;
        atBlockStart = true;
    }

    /** Closes a brace; comments before it (inside the block) are printed first. */
    private void close(int closeOffset) {
        flushBefore(closeOffset);
        indent--;
        closeLine();
        out.append(INDENT.repeat(indent)).append('}');
        lineOpen = true;
        atBlockStart = false;
        // The line may go on (`} else {`, `} -> x`, `} Join all`): a comment after the brace is
        // attached by whatever ends the line, never here.
        lastLine = file.line(closeOffset);
    }

    /** Prints the comments that come before {@code offset}: trailing on the open line, else each on its own line. */
    private void flushBefore(int offset) {
        while (nextComment < comments.size() && comments.get(nextComment).span().start() < offset) {
            Comment c = comments.get(nextComment++);
            int line = file.line(c.span().start());
            if (lineOpen && line == lastLine) {
                out.append(' ').append(c.text());
                continue;
            }
            closeLine();
            if (!atBlockStart && line - lastLine > 1) out.append('\n');
            out.append(INDENT.repeat(indent)).append(c.text()).append('\n');
            lastLine = line;
            atBlockStart = false;
        }
    }

    private boolean hasComment(Node n) {
        for (int i = nextComment; i < comments.size(); i++) {
            int s = comments.get(i).span().start();
            if (s >= n.span().end()) return false;
            if (s > n.span().start()) return true;
        }
        return false;
    }

    private int column() {
        int nl = out.lastIndexOf("\n");
        return out.length() - nl - 1;
    }

    // ------------------------------------------------------------------ declarations

    private void program(Program p) {
        Decl prev = null;
        for (Decl d : p.decls()) {
            if (prev != null && (hasBody(prev) || hasBody(d))) forceBlankIfTouching(prev, d);
            decl(d);
            prev = d;
        }
        flushBefore(Integer.MAX_VALUE);
        closeLine();
        // exactly one trailing newline, none for an empty file
        int len = out.length();
        while (len > 0 && out.charAt(len - 1) == '\n') len--;
        out.setLength(len);
        if (len > 0) out.append('\n');
    }

    private void forceBlankIfTouching(Decl prev, Decl d) {
        // comments between the two declarations belong to the second; the gap is judged before them
        int nextStart = d.span().start();
        if (nextComment < comments.size() && comments.get(nextComment).span().start() < nextStart) {
            nextStart = comments.get(nextComment).span().start();
        }
        if (file.line(nextStart) - file.line(Math.max(0, prev.span().end() - 1)) <= 1) forceBlankBefore();
    }

    private static boolean hasBody(Decl d) {
        return d instanceof Decl.Module || d instanceof Decl.Workflow || d instanceof Decl.Shape
                || d instanceof Decl.Migration || d instanceof Decl.Load || d instanceof Decl.Report;
    }

    private void decl(Decl d) {
        begin(d.span().start());
        if (d instanceof Decl.Version v) {
            text("version " + v.version());
            end(d.span().end());
        } else if (d instanceof Decl.Shape s) {
            text("Shape " + s.name().text() + " ");
            fieldBlock(s.fields(), s.span(), true);
        } else if (d instanceof Decl.Event e) {
            text("Event " + e.name().text());
            if (!e.fields().isEmpty()) {
                text(" ");
                fieldBlock(e.fields(), new dev.baton.lang.Span(e.name().span().end(), e.span().end()), false);
            } else {
                end(d.span().end());
            }
        } else if (d instanceof Decl.State s) {
            state(s);
        } else if (d instanceof Decl.Constraint k) {
            text("Constraint " + k.name().text() + ": " + expr(k.condition()));
            end(d.span().end());
        } else if (d instanceof Decl.Module m) {
            text("Module " + m.name().text() + options(m.options()) + " ");
            open(braceAfter(m.options().isEmpty() ? m.name().span().end() : m.options().span().end()));
            for (Member mem : m.members()) member(mem);
            close(m.span().end() - 1);
        } else if (d instanceof Decl.Workflow w) {
            text("Workflow " + w.name().text());
            if (!w.params().isEmpty()) text(params(w.params()));
            if (w.returns() != null) text(" -> " + type(w.returns()));
            text(options(w.options()) + " ");
            body(w.body());
        } else if (d instanceof Decl.Ai a) {
            text("AI " + a.name().text() + options(a.options()));
            end(d.span().end());
        } else if (d instanceof Decl.Migration mig) {
            text("Migration from " + mig.from() + " ");
            open(braceAfter(mig.span().start()));
            for (Decl.MigrationItem item : mig.items()) {
                begin(item.span().start());
                text((item.workflow() ? "Workflow " : "Module ") + item.target().text() + " ");
                body(item.body());
            }
            close(mig.span().end() - 1);
        } else if (d instanceof Decl.Load load) {
            text("Load " + load.name().text() + options(load.options()) + " ");
            body(load.body());
        } else if (d instanceof Decl.Fault fault) {
            text("Fault " + fault.name().text() + options(fault.options()));
            end(d.span().end());
        } else if (d instanceof Decl.Parameter param) {
            text("Param " + param.name().text());
            if (param.type() != null) text(": " + type(param.type()));
            text(" = " + expr(param.value()));
            end(d.span().end());
        } else if (d instanceof Decl.Report report) {
            text("Report ");
            value(report.body());
            end(d.span().end());
        }
    }

    private int braceAfter(int offset) {
        int i = file.text().indexOf('{', offset);
        return i < 0 ? offset : i;
    }

    private void state(Decl.State s) {
        text("$" + s.name().text());
        if (s.type() != null) text(": " + type(s.type()));
        text(" = ");
        value(s.init());
        end(s.span().end());
    }

    private void member(Member m) {
        if (m instanceof Decl.State s) {
            begin(s.span().start());
            state(s);
        } else if (m instanceof Decl.Constraint k) {
            begin(k.span().start());
            text("Constraint " + k.name().text() + ": " + expr(k.condition()));
            end(k.span().end());
        } else if (m instanceof Member.On on) {
            begin(on.span().start());
            text("ON (" + on.event().text() + ")" + options(on.options()) + " ");
            body(on.body());
        } else if (m instanceof Member.Tick t) {
            begin(t.span().start());
            // a Tick's brackets are its syntax (the checker wants a period in them): never dropped, even when empty
            text("Tick" + (t.options().isEmpty() ? " []" : options(t.options())) + " ");
            body(t.body());
        } else if (m instanceof Member.Endpoint e) {
            begin(e.span().start());
            text(e.name().text());
            if (e.params() != null) text(params(e.params()));
            text(" /" + e.kind().word());
            if (e.returns() != null) text(" -> " + type(e.returns()));
            text(" ");
            body(e.body());
        }
    }

    private String params(List<Param> params) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            if (i > 0) b.append(", ");
            b.append(p.name().text());
            if (p.type() != null) b.append(": ").append(type(p.type()));
            if (p.defaultValue() != null) b.append(" = ").append(expr(p.defaultValue()));
        }
        return b.append(')').toString();
    }

    private void fieldBlock(List<FieldDecl> fields, dev.baton.lang.Span span, boolean alwaysMulti) {
        int braceOpen = braceAfter(span.start());
        String oneLine = fieldsInline(fields);
        if (!alwaysMulti && !hasCommentIn(braceOpen, span.end()) && column() + oneLine.length() <= WIDTH) {
            text(oneLine);
            end(span.end());
            return;
        }
        open(braceOpen);
        for (FieldDecl f : fields) {
            begin(f.span().start());
            text(field(f));
            end(f.span().end());
        }
        close(span.end() - 1);
    }

    private boolean hasCommentIn(int start, int end) {
        for (int i = nextComment; i < comments.size(); i++) {
            int s = comments.get(i).span().start();
            if (s >= end) return false;
            if (s > start) return true;
        }
        return false;
    }

    private String fieldsInline(List<FieldDecl> fields) {
        if (fields.isEmpty()) return "{}";
        StringBuilder b = new StringBuilder("{ ");
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) b.append(", ");
            b.append(field(fields.get(i)));
        }
        return b.append(" }").toString();
    }

    private String field(FieldDecl f) {
        return key(f.name().text()) + (f.optional() ? "?" : "") + ": " + type(f.type());
    }

    private static String key(String k) {
        boolean ident = !k.isEmpty() && (Character.isLetter(k.charAt(0)) || k.charAt(0) == '_');
        for (int i = 0; i < k.length() && ident; i++) {
            char c = k.charAt(i);
            ident = c < 128 && (Character.isLetterOrDigit(c) || c == '_');
        }
        return ident ? k : quote(k);
    }

    // ------------------------------------------------------------------ statements

    private void body(Block b) {
        open(b.span().start());
        for (Stmt s : b.stmts()) {
            begin(s.span().start());
            stmt(s);
        }
        close(b.span().end() - 1);
    }

    private void stmt(Stmt s) {
        if (s instanceof Stmt.Let l) {
            text("let " + l.name().text() + " = ");
            value(l.value());
            end(s.span().end());
        } else if (s instanceof Stmt.Assign a) {
            text(expr(a.target()) + " " + a.op().symbol() + " ");
            value(a.value());
            if (a.min() != null) text(" min " + expr(a.min()));
            if (a.max() != null) text(" max " + expr(a.max()));
            end(s.span().end());
        } else if (s instanceof Stmt.If i) {
            ifChain(i);
        } else if (s instanceof Stmt.For f) {
            text("for " + f.variable().text() + " in " + expr(f.iterable()) + options(f.options()) + " ");
            body(f.body());
        } else if (s instanceof Stmt.While w) {
            text("while " + expr(w.condition()) + options(w.options()) + " ");
            body(w.body());
        } else if (s instanceof Stmt.Return r) {
            text(r.value() == null ? "return" : "return ");
            if (r.value() != null) value(r.value());
            end(s.span().end());
        } else if (s instanceof Stmt.Break) {
            text("break");
            end(s.span().end());
        } else if (s instanceof Stmt.Continue) {
            text("continue");
            end(s.span().end());
        } else if (s instanceof Stmt.Fail f) {
            text("Fail " + expr(f.reason()));
            end(s.span().end());
        } else if (s instanceof Stmt.ExprStmt e) {
            text(expr(e.expr()));
            end(s.span().end());
        } else if (s instanceof Stmt.Call c) {
            text("Call " + c.module().text());
            if (c.instance() != null) text("[" + expr(c.instance()) + "]");
            text("." + c.endpoint().text());
            if (c.args() != null) {
                text(" ");
                value(c.args());
            }
            text(options(c.options()) + binding(c.binding()));
            end(s.span().end());
        } else if (s instanceof Stmt.Start st) {
            text((st.child() ? "Run " : "Start ") + st.workflow().text());
            if (st.args() != null) {
                text(" ");
                value(st.args());
            }
            text(options(st.options()) + binding(st.binding()));
            end(s.span().end());
        } else if (s instanceof Stmt.Emit e) {
            text("Emit " + e.event().text());
            if (e.payload() != null) {
                text(" ");
                value(e.payload());
            }
            text(options(e.options()));
            end(s.span().end());
        } else if (s instanceof Stmt.Sleep sl) {
            text("Sleep " + expr(sl.duration()));
            end(s.span().end());
        } else if (s instanceof Stmt.Cancel c) {
            text("Cancel " + expr(c.workflow()));
            end(s.span().end());
        } else if (s instanceof Stmt.JoinShared j) {
            text("Join (" + expr(j.name()) + ")" + options(j.options()) + binding(j.binding()));
            end(s.span().end());
        } else if (s instanceof Stmt.Await aw) {
            text("Await " + aw.event().text() + options(aw.options()) + binding(aw.binding()));
            end(s.span().end());
        } else if (s instanceof Stmt.Saga saga) {
            text("Saga" + options(saga.options()) + " ");
            open(braceAfter(saga.options().isEmpty() ? saga.span().start() : saga.options().span().end()));
            for (Stmt.Step step : saga.steps()) {
                begin(step.span().start());
                text((step.pivot() ? "Pivot " : "Step ") + step.name().text() + options(step.options()) + " ");
                body(step.action());
                if (step.compensation() != null) {
                    text(" Compensate ");
                    body(step.compensation());
                }
            }
            int close = saga.binding() == null ? saga.span().end() - 1 : closingBraceBefore(saga.binding().span().start());
            close(close);
            text(binding(saga.binding()));
            if (saga.binding() != null) end(s.span().end());
        } else if (s instanceof Stmt.Lock lock) {
            StringBuilder keys = new StringBuilder();
            for (Expr k : lock.keys()) {
                if (keys.length() > 0) keys.append(", ");
                keys.append(expr(k));
            }
            text("Lock (" + keys + ")" + options(lock.options()) + binding(lock.binding()) + " ");
            body(lock.body());
        } else if (s instanceof Stmt.Fork f) {
            fork(f);
        } else if (s instanceof Stmt.Ask a) {
            text("Ask " + a.provider().text() + " ");
            value(a.input());
            guard(a.expect(), a.checks(), a.options(), a.otherwise(), a.binding(), s);
        } else if (s instanceof Stmt.Evaluate ev) {
            text("Evaluate ");
            value(ev.value());
            guard(ev.expect(), ev.checks(), Options.EMPTY, ev.otherwise(), ev.binding(), s);
        }
    }

    private int closingBraceBefore(int offset) {
        int i = file.text().lastIndexOf('}', offset);
        return Math.max(i, 0);
    }

    private void ifChain(Stmt.If i) {
        text("if " + expr(i.condition()) + " ");
        body(i.then());
        if (i.elseIf() != null) {
            text(" else ");
            ifChain(i.elseIf());
        } else if (i.elseBlock() != null) {
            text(" else ");
            body(i.elseBlock());
        }
    }

    private void fork(Stmt.Fork f) {
        if (f.dynamic()) {
            text("Fork " + f.eachVar().text() + " in " + expr(f.eachOver()) + options(f.options()) + " ");
            body(f.eachBody());
        } else {
            text("Fork" + options(f.options()) + " ");
            open(braceAfter(f.options().isEmpty() ? f.span().start() : f.options().span().end()));
            for (Stmt.Branch b : f.branches()) {
                begin(b.span().start());
                text("Branch " + (b.name() == null ? "" : b.name().text() + " "));
                body(b.body());
            }
            int closeAt = f.branches().isEmpty() ? braceAfter(f.span().start()) + 1
                    : file.text().indexOf('}', f.branches().get(f.branches().size() - 1).span().end());
            close(closeAt);
        }
        text(" Join " + (f.join() == Stmt.JoinKind.COUNT ? expr(f.joinCount()) : f.join().word()));
        text(options(f.joinOptions()) + binding(f.binding()));
        end(f.span().end());
    }

    private void guard(TypeRef expect, List<Stmt.Check> checks, Options options, Expr otherwise, Expr binding, Stmt s) {
        text(" expect ");
        if (expect instanceof TypeRef.Shape shape) {
            fieldBlock(shape.fields(), shape.span(), false);
        } else {
            text(type(expect));
        }
        end(expect.span().end());
        indent++;
        for (Stmt.Check k : checks) {
            begin(k.span().start());
            text("check " + k.name().text() + ": " + expr(k.condition()));
            end(k.span().end());
        }
        if (!options.isEmpty()) {
            begin(options.span().start());
            text(options(options).trim());
            end(options.span().end());
        }
        begin(otherwise.span().start());
        text("otherwise ");
        value(otherwise);
        text(binding(binding));
        end(s.span().end());
        indent--;
    }

    private String binding(Expr b) {
        return b == null ? "" : " -> " + expr(b);
    }

    private String options(Options o) {
        if (o.isEmpty()) return "";
        StringBuilder b = new StringBuilder(" [");
        for (int i = 0; i < o.entries().size(); i++) {
            Options.Option opt = o.entries().get(i);
            if (i > 0) b.append(", ");
            if (opt.key() != null) b.append(opt.key().text()).append(": ");
            b.append(expr(opt.value()));
        }
        return b.append(']').toString();
    }

    // ------------------------------------------------------------------ values (maps may span lines)

    /** Prints an expression that may be laid out over several lines (a map or list literal). */
    private void value(Expr e) {
        if (e instanceof Expr.MapLit m && !m.entries().isEmpty()) {
            String one = expr(m);
            if (!hasComment(m) && column() + one.length() <= WIDTH && !containsMultiline(m)) {
                text(one);
                return;
            }
            open(m.span().start());
            for (int i = 0; i < m.entries().size(); i++) {
                Expr.MapLit.Entry en = m.entries().get(i);
                begin(en.span().start());
                text(mapKey(en) + ": ");
                value(en.value());
                if (i < m.entries().size() - 1) text(",");
                end(en.span().end() + (i < m.entries().size() - 1 ? 1 : 0));
            }
            close(m.span().end() - 1);
            return;
        }
        if (e instanceof Expr.ListLit l && !l.items().isEmpty()) {
            String one = expr(l);
            if (!hasComment(l) && column() + one.length() <= WIDTH) {
                text(one);
                return;
            }
            text("[");
            end(l.span().start() + 1);
            indent++;
            atBlockStart = true;
            for (int i = 0; i < l.items().size(); i++) {
                Expr item = l.items().get(i);
                begin(item.span().start());
                value(item);
                if (i < l.items().size() - 1) text(",");
                end(item.span().end() + (i < l.items().size() - 1 ? 1 : 0));
            }
            flushBefore(l.span().end() - 1);
            indent--;
            closeLine();
            out.append(INDENT.repeat(indent)).append(']');
            lineOpen = true;
            lastLine = file.line(l.span().end() - 1);
            return;
        }
        text(expr(e));
    }

    private boolean containsMultiline(Expr.MapLit m) {
        for (Expr.MapLit.Entry en : m.entries()) {
            if (en.value() instanceof Expr.MapLit inner && hasComment(inner)) return true;
        }
        return false;
    }

    private static String mapKey(Expr.MapLit.Entry en) {
        return en.quoted() ? quote(en.key().text()) : en.key().text();
    }

    // ------------------------------------------------------------------ expressions (one line)

    /** Binding strength used to decide where parentheses are needed. */
    private static int precedence(Expr e) {
        if (e instanceof Expr.Binary b) return b.op().precedence() * 2;
        if (e instanceof Expr.Unary u) return u.op() == Expr.UnaryOp.NOT ? 5 : 12;
        return 20;
    }

    public static String expr(Expr e) {
        StringBuilder b = new StringBuilder();
        expr(e, b);
        return b.toString();
    }

    private static void expr(Expr e, StringBuilder b) {
        if (e instanceof Expr.Literal l) {
            b.append(l.kind() == Expr.Literal.Kind.STRING ? quote((String) l.value()) : l.raw());
        } else if (e instanceof Expr.Var v) {
            b.append('$').append(v.name());
        } else if (e instanceof Expr.Ident id) {
            b.append(id.name());
        } else if (e instanceof Expr.Payload p) {
            b.append('{').append(String.join(".", p.path())).append('}');
        } else if (e instanceof Expr.ForeignVar fv) {
            b.append(fv.module().text()).append(".$").append(fv.var().text());
        } else if (e instanceof Expr.Field f) {
            postfixTarget(f.target(), b);
            b.append('.').append(key(f.field().text()));
        } else if (e instanceof Expr.Index ix) {
            postfixTarget(ix.target(), b);
            b.append('[');
            expr(ix.index(), b);
            b.append(']');
        } else if (e instanceof Expr.Call c) {
            postfixTarget(c.callee(), b);
            b.append('(');
            join(c.args(), b);
            b.append(')');
        } else if (e instanceof Expr.Unary u) {
            b.append(u.op().symbol());
            boolean paren = u.op() == Expr.UnaryOp.NEG
                    ? u.operand() instanceof Expr.Binary || u.operand() instanceof Expr.Unary
                    : precedence(u.operand()) < precedence(u);
            wrap(u.operand(), paren, b);
        } else if (e instanceof Expr.Binary bin) {
            int p = precedence(bin);
            boolean comparison = bin.op().precedence() == 3;
            wrap(bin.left(), precedence(bin.left()) < p || comparison && precedence(bin.left()) == p, b);
            b.append(' ').append(bin.op().symbol()).append(' ');
            wrap(bin.right(), precedence(bin.right()) <= p, b);
        } else if (e instanceof Expr.MapLit m) {
            if (m.entries().isEmpty()) {
                b.append("{}");
                return;
            }
            b.append("{ ");
            for (int i = 0; i < m.entries().size(); i++) {
                if (i > 0) b.append(", ");
                b.append(mapKey(m.entries().get(i))).append(": ");
                expr(m.entries().get(i).value(), b);
            }
            b.append(" }");
        } else if (e instanceof Expr.ListLit l) {
            b.append('[');
            join(l.items(), b);
            b.append(']');
        }
    }

    private static void postfixTarget(Expr target, StringBuilder b) {
        wrap(target, target instanceof Expr.Binary || target instanceof Expr.Unary
                || target instanceof Expr.Literal l && l.kind() != Expr.Literal.Kind.STRING, b);
    }

    private static void wrap(Expr e, boolean paren, StringBuilder b) {
        if (paren) b.append('(');
        expr(e, b);
        if (paren) b.append(')');
    }

    private static void join(List<Expr> items, StringBuilder b) {
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) b.append(", ");
            expr(items.get(i), b);
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case 0 -> b.append("\\0");
                default -> {
                    if (cp < 0x20 || cp == 0x7f) b.append("\\u{").append(Integer.toHexString(cp)).append('}');
                    else b.appendCodePoint(cp);
                }
            }
        });
        return b.append('"').toString();
    }

    public static String type(TypeRef t) {
        if (t instanceof TypeRef.Optional o) return type(o.inner()) + "?";
        if (t instanceof TypeRef.Enum en) {
            StringBuilder b = new StringBuilder();
            for (Expr.Literal l : en.values()) {
                if (b.length() > 0) b.append(" | ");
                b.append(quote((String) l.value()));
            }
            return b.toString();
        }
        if (t instanceof TypeRef.Shape s) {
            if (s.fields().isEmpty()) return "{}";
            StringBuilder b = new StringBuilder("{ ");
            for (int i = 0; i < s.fields().size(); i++) {
                FieldDecl f = s.fields().get(i);
                if (i > 0) b.append(", ");
                b.append(key(f.name().text())).append(f.optional() ? "?" : "").append(": ").append(type(f.type()));
            }
            return b.append(" }").toString();
        }
        TypeRef.Named n = (TypeRef.Named) t;
        StringBuilder b = new StringBuilder(n.name().text());
        if (!n.args().isEmpty()) {
            b.append('<');
            for (int i = 0; i < n.args().size(); i++) {
                if (i > 0) b.append(", ");
                b.append(type(n.args().get(i)));
            }
            b.append('>');
        }
        if (n.ranged()) {
            b.append(" [");
            if (n.min() != null) b.append(expr(n.min()));
            b.append("..");
            if (n.max() != null) b.append(expr(n.max()));
            b.append(']');
        }
        return b.toString();
    }

}
