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

    /** Per node class, found once: the accessors of the components that may hold nodes, and of {@code binding}. */
    private record Shape(java.lang.invoke.MethodHandle[] parts, java.lang.invoke.MethodHandle binding) {
    }

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            List<java.lang.invoke.MethodHandle> parts = new ArrayList<>();
            java.lang.invoke.MethodHandle binding = null;
            java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.publicLookup();
            for (RecordComponent c : type.getRecordComponents()) {
                java.lang.invoke.MethodHandle h;
                try {
                    h = lookup.unreflect(c.getAccessor()).asType(java.lang.invoke.MethodType.methodType(Object.class, Object.class));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                if (c.getName().equals("binding") && Expr.class.isAssignableFrom(c.getType())) binding = h;
                Class<?> t = c.getType();
                if (t.isPrimitive() || t == String.class || t == Span.class || t.isEnum()) continue;
                parts.add(h);
            }
            return new Shape(parts.toArray(new java.lang.invoke.MethodHandle[0]), binding);
        }
    };

    /** The parts of a node that may hold nodes: a record's components other than names, spans and plain values. */
    static List<Object> parts(Record r) {
        java.lang.invoke.MethodHandle[] hs = SHAPES.get(r.getClass()).parts();
        List<Object> out = new ArrayList<>(hs.length);
        for (java.lang.invoke.MethodHandle h : hs) out.add(call(h, r));
        return out;
    }

    private static Object call(java.lang.invoke.MethodHandle h, Record r) {
        try {
            return h.invokeExact((Object) r);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Why {@code node} acts on the rest of a run, when it is one of the statements that do whatever
     * their arguments ({@code Call}, {@code Emit}, {@code Await}, {@code Cancel}, {@code Saga},
     * {@code Lock}, a shared {@code Fork} and its {@code Join (name)}): "it calls M.E", …; else null.
     */
    static String effect(Object node) {
        if (node instanceof dev.baton.lang.ast.Stmt.Call c) return "it calls " + c.module().text() + "." + c.endpoint().text();
        if (node instanceof dev.baton.lang.ast.Stmt.Emit e) return "it emits " + e.event().text();
        if (node instanceof dev.baton.lang.ast.Stmt.Await a) return "it awaits " + a.event().text();
        if (node instanceof dev.baton.lang.ast.Stmt.Cancel) return "it cancels a workflow";
        if (node instanceof dev.baton.lang.ast.Stmt.Saga) return "it runs a Saga";
        if (node instanceof dev.baton.lang.ast.Stmt.Lock) return "it takes a Lock";
        if (node instanceof dev.baton.lang.ast.Stmt.JoinShared) return "it joins a fork another workflow shares";
        if (node instanceof dev.baton.lang.ast.Stmt.Fork f && f.options().get("share").isPresent()) return "it shares a fork with other workflows";
        return null;
    }

    /** A statement's {@code -> target}, or null. */
    static Expr binding(Record r) {
        java.lang.invoke.MethodHandle h = SHAPES.get(r.getClass()).binding();
        return h == null ? null : (Expr) call(h, r);
    }

    /** The variable an assignment target such as {@code $a.b[c]} changes, or the target itself when it is none. */
    static Expr root(Expr e) {
        while (true) {
            if (e instanceof Expr.Field f) e = f.target();
            else if (e instanceof Expr.Index i) e = i.target();
            else return e;
        }
    }

}
