package dev.baton.lang.ast;

import dev.baton.lang.Span;

import java.lang.reflect.RecordComponent;
import java.util.List;

/**
 * A span-free S-expression of a tree: {@code (Call module=GlobalAuthority endpoint=ApplyDamage …)}.
 * Two trees that differ only in positions (or comments) dump the same; the parser's golden
 * files and the formatter's round-trip property compare dumps.
 */
public final class AstDump {
    private AstDump() {
    }

    public static String dump(Object node) {
        StringBuilder out = new StringBuilder();
        write(node, out, 0);
        return out.toString();
    }

    private static void write(Object node, StringBuilder out, int indent) {
        if (node == null) {
            out.append("nil");
        } else if (node instanceof Name n) {
            out.append(n.text());
        } else if (node instanceof QualifiedName q) {
            out.append(q.text());
        } else if (node instanceof String s) {
            out.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        } else if (node instanceof Expr.Literal lit) {
            out.append(lit.kind() == Expr.Literal.Kind.STRING ? quote((String) lit.value()) : String.valueOf(lit.value()));
        } else if (node instanceof List<?> list) {
            out.append('[');
            boolean multi = list.size() > 1 && list.get(0) instanceof Record;
            for (int i = 0; i < list.size(); i++) {
                if (multi) out.append('\n').append("  ".repeat(indent + 1));
                else if (i > 0) out.append(' ');
                write(list.get(i), out, indent + 1);
            }
            out.append(']');
        } else if (node instanceof Record r) {
            out.append('(').append(simpleName(r.getClass()));
            boolean block = node instanceof Decl || node instanceof Member || node instanceof Stmt;
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                if (c.getType() == Span.class || c.getName().equals("comments")) continue;
                Object value;
                try {
                    value = c.getAccessor().invoke(r);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
                if (value == null || value instanceof Options o && o.isEmpty()
                        || value instanceof List<?> l && l.isEmpty() || Boolean.FALSE.equals(value)) {
                    continue;
                }
                out.append(block ? "\n" + "  ".repeat(indent + 1) : " ").append(c.getName()).append('=');
                write(value, out, indent + 1);
            }
            out.append(')');
        } else {
            out.append(node);
        }
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }

    private static String simpleName(Class<?> c) {
        String outer = c.getEnclosingClass() == null ? "" : c.getEnclosingClass().getSimpleName() + ".";
        return outer + c.getSimpleName();
    }
}
