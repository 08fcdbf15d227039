package dev.baton.runtime.internal.compile;

import dev.baton.lang.Span;
import dev.baton.lang.ast.Expr;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/** Walking the syntax tree for the analyses that decide where code may run ({@link Detachable}, {@link HotModules}, {@link Partitions}). */
final class Ast {
    private Ast() {
    }

    /** The parts of a node that may hold nodes: a record's components other than names, spans and plain values. */
    static List<Object> parts(Record r) {
        List<Object> out = new ArrayList<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Class<?> t = c.getType();
            if (t.isPrimitive() || t == String.class || t == Span.class || t.isEnum()) continue;
            out.add(get(c, r));
        }
        return out;
    }

    /**
     * Why {@code node} acts on the rest of a run, when it is one of the statements that do whatever
     * their arguments ({@code Call}, {@code Emit}, {@code Await}, {@code Cancel}, {@code Saga},
     * {@code Lock}): "it calls M.E", …; else null.
     */
    static String effect(Object node) {
        if (node instanceof dev.baton.lang.ast.Stmt.Call c) return "it calls " + c.module().text() + "." + c.endpoint().text();
        if (node instanceof dev.baton.lang.ast.Stmt.Emit e) return "it emits " + e.event().text();
        if (node instanceof dev.baton.lang.ast.Stmt.Await a) return "it awaits " + a.event().text();
        if (node instanceof dev.baton.lang.ast.Stmt.Cancel) return "it cancels a workflow";
        if (node instanceof dev.baton.lang.ast.Stmt.Saga) return "it runs a Saga";
        if (node instanceof dev.baton.lang.ast.Stmt.Lock) return "it takes a Lock";
        return null;
    }

    /** A statement's {@code -> target}, or null. */
    static Expr binding(Record r) {
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            if (c.getName().equals("binding") && get(c, r) instanceof Expr b) return b;
        }
        return null;
    }

    /** The variable an assignment target such as {@code $a.b[c]} changes, or the target itself when it is none. */
    static Expr root(Expr e) {
        while (true) {
            if (e instanceof Expr.Field f) e = f.target();
            else if (e instanceof Expr.Index i) e = i.target();
            else return e;
        }
    }

    private static Object get(RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
