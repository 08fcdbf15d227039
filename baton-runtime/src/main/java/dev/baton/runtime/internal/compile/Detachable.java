package dev.baton.runtime.internal.compile;

import dev.baton.lang.Span;
import dev.baton.lang.ast.Decl;
import dev.baton.lang.ast.Expr;
import dev.baton.lang.ast.Program;
import dev.baton.lang.ast.Stmt;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which workflows are <em>self-contained</em>: their outcome depends only on their arguments,
 * their start time and their own random draws, so an engine may run each one apart from the
 * rest of the run — the embedded engine in a core of its own, Temporal as a child workflow —
 * and still get exactly the result it would get inline.
 *
 * <p>A workflow is self-contained when its body (Fork branches included) reads and writes no
 * global or module state (declared {@code Param}s are constants and allowed), neither
 * {@code Call}s, {@code Emit}s, {@code Await}s, {@code Start}s, {@code Cancel}s, takes a
 * {@code Lock} nor runs a {@code Saga} (whose compensations exist to undo effects), reads no
 * engine counter ({@code stat}), and every workflow it {@code Run}s is self-contained too.
 * {@code Sleep}, {@code Ask} (a decision provider is outside the run's state), {@code Fork},
 * {@code Run}, {@code Fail} and {@code return} are all allowed.
 */
public final class Detachable {
    private Detachable() {
    }

    /** Why a workflow is not self-contained ({@code why} null when it is), and where. */
    public record Verdict(String why, Span where) {
        public boolean selfContained() {
            return why == null;
        }
    }

    /** Every workflow of {@code program}, in declaration order, with its verdict. */
    public static Map<String, Verdict> of(Program program) {
        List<Decl.Workflow> workflows = new java.util.ArrayList<>();
        Set<String> params = new HashSet<>();
        for (Decl d : program.decls()) {
            if (d instanceof Decl.Workflow w) workflows.add(w);
            if (d instanceof Decl.Parameter p) params.add(p.name().text());
        }
        return of(workflows, params);
    }

    /** The verdicts for {@code workflows}, given the names of the program's parameters. */
    static Map<String, Verdict> of(List<Decl.Workflow> workflows, Set<String> params) {
        Map<String, Verdict> verdicts = new LinkedHashMap<>();
        Map<String, Map<String, Span>> runs = new LinkedHashMap<>();
        for (Decl.Workflow w : workflows) {
            Map<String, Span> ran = new LinkedHashMap<>();
            Verdict v = first(w.params(), ran, params);
            if (v == null) v = first(w.body(), ran, params);
            verdicts.put(w.name().text(), v == null ? new Verdict(null, null) : v);
            runs.put(w.name().text(), ran);
        }
        // a workflow that runs one that is not self-contained is not either (to a fixed point)
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<String, Verdict> e : verdicts.entrySet()) {
                if (!e.getValue().selfContained()) continue;
                for (Map.Entry<String, Span> r : runs.get(e.getKey()).entrySet()) {
                    Verdict callee = verdicts.get(r.getKey());
                    if (callee != null && !callee.selfContained()) {
                        e.setValue(new Verdict("it runs " + r.getKey() + ", which is not self-contained", r.getValue()));
                        changed = true;
                        break;
                    }
                }
            }
        }
        return verdicts;
    }

    /** The names of the self-contained workflows among {@code workflows}. */
    static Set<String> names(List<Decl.Workflow> workflows, Set<String> params) {
        Set<String> out = new LinkedHashSet<>();
        of(workflows, params).forEach((name, v) -> {
            if (v.selfContained()) out.add(name);
        });
        return out;
    }

    /** The first thing in {@code node} (any part of a syntax tree) that ties it to the run, or null; collects the workflows it runs. */
    private static Verdict first(Object node, Map<String, Span> ran, Set<String> params) {
        if (node == null) return null;
        if (node instanceof List<?> list) {
            for (Object o : list) {
                Verdict v = first(o, ran, params);
                if (v != null) return v;
            }
            return null;
        }
        String why = Ast.effect(node);
        if (why == null) why = tie(node, params);
        if (why != null) return new Verdict(why, ((dev.baton.lang.ast.Node) node).span());
        if (node instanceof Stmt.Start s) ran.putIfAbsent(s.workflow().text(), s.span());
        if (!(node instanceof Record r)) return null;
        for (Object part : Ast.parts(r)) {
            Verdict v = first(part, ran, params);
            if (v != null) return v;
        }
        return null;
    }

    /** Why {@code node} itself (not one of the statements every analysis refuses) ties a workflow to the run, or null. */
    private static String tie(Object node, Set<String> params) {
        if (node instanceof Stmt.Start s && !s.child()) return "it starts " + s.workflow().text();
        if (node instanceof Expr.Var v && !params.contains(v.name())) return "it uses $" + v.name();
        if (node instanceof Expr.ForeignVar f) return "it reads " + f.module().text() + ".$" + f.var().text();
        if (node instanceof Expr.Payload) return "it reads an event's payload";
        if (node instanceof Expr.Call c && c.callee() instanceof Expr.Ident id && id.name().equals("stat")) return "it reads an engine counter (stat)";
        return null;
    }
}
