package dev.baton.runtime.internal.compile;

import dev.baton.lang.ast.Decl;
import dev.baton.lang.ast.Expr;
import dev.baton.lang.ast.Stmt;

import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.HashSet;
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
final class Detachable {
    private Detachable() {
    }

    /** The names of the self-contained workflows among {@code workflows}. */
    static Set<String> of(List<Decl.Workflow> workflows, Set<String> params) {
        Map<String, Set<String>> runs = new HashMap<>();
        Set<String> candidates = new HashSet<>();
        for (Decl.Workflow w : workflows) {
            Set<String> ran = new HashSet<>();
            if (contained(w.params(), ran, params) && contained(w.body(), ran, params)) {
                candidates.add(w.name().text());
                runs.put(w.name().text(), ran);
            }
        }
        // a workflow that runs one that is not self-contained is not either (to a fixed point)
        boolean changed = true;
        while (changed) {
            changed = candidates.removeIf(name -> !candidates.containsAll(runs.get(name)));
        }
        return candidates;
    }

    /** False when {@code node} (any part of a syntax tree) touches the world; collects the workflows it runs. */
    private static boolean contained(Object node, Set<String> ran, Set<String> params) {
        if (node == null) return true;
        if (node instanceof List<?> list) {
            for (Object o : list) if (!contained(o, ran, params)) return false;
            return true;
        }
        if (node instanceof Stmt.Call || node instanceof Stmt.Emit || node instanceof Stmt.Await || node instanceof Stmt.Cancel
                || node instanceof Stmt.Saga || node instanceof Stmt.Lock) {
            return false;
        }
        if (node instanceof Stmt.Start s) {
            if (!s.child()) return false;
            ran.add(s.workflow().text());
        }
        if (node instanceof Expr.Var v && !params.contains(v.name())) return false;
        if (node instanceof Expr.ForeignVar || node instanceof Expr.Payload) return false;
        if (node instanceof Expr.Call c && c.callee() instanceof Expr.Ident id && id.name().equals("stat")) return false;
        if (!(node instanceof Record r)) return true;
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Class<?> t = c.getType();
            if (t.isPrimitive() || t == String.class || t == dev.baton.lang.Span.class || t.isEnum()) continue;
            Object value;
            try {
                value = c.getAccessor().invoke(r);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (!contained(value, ran, params)) return false;
        }
        return true;
    }
}
