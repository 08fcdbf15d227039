package dev.baton.lang;

import java.util.Random;

/**
 * Generates random, syntactically valid Baton programs from a seed, with random layout
 * (line breaks where the grammar allows them, blank lines, trailing and own-line comments).
 * Names are drawn from small pools so that programs also exercise the checker.
 */
final class ProgramGenerator {
    private final Random rnd;
    private final StringBuilder out = new StringBuilder();
    private int indent;

    private static final String[] LOCALS = {"a", "b", "total", "x"};
    private static final String[] VARS = {"$count", "$boss", "$buffer", "$my_id"};
    private static final String[] FUNCS = {"len", "max", "min", "str", "abs", "now", "random"};
    private static final String[] EVENTS = {"Player.Hit", "World.Changed", "Shard.Heartbeat"};

    private ProgramGenerator(long seed) {
        this.rnd = new Random(seed);
    }

    static String generate(long seed) {
        ProgramGenerator g = new ProgramGenerator(seed);
        g.program();
        return g.out.toString();
    }

    private void program() {
        if (rnd.nextBoolean()) line("version " + (1 + rnd.nextInt(3)));
        int decls = 1 + rnd.nextInt(5);
        for (int i = 0; i < decls; i++) {
            maybeBlank();
            maybeComment();
            switch (rnd.nextInt(8)) {
                case 0 -> line("$g" + i + " = " + expr(2));
                case 1 -> {
                    line("Shape S" + i + " {");
                    indent++;
                    line("hp: Int [0.." + rnd.nextInt(1000) + "]");
                    line("name" + (rnd.nextBoolean() ? "?" : "") + ": String");
                    line("kind: \"a\" | \"b\"");
                    indent--;
                    line("}");
                }
                case 2 -> line("Event Src" + i + ".Ev { amount: Int, who: String }");
                case 3 -> line("AI Ai" + i + " [provider: \"policy\", temperature: 0.5]");
                case 4 -> line("Constraint c" + i + ": " + expr(2));
                case 5, 6 -> module(i);
                default -> workflow(i);
            }
        }
        if (rnd.nextInt(4) == 0) {
            maybeComment();
            line("Load L [population: 10, rate: 100] {");
            indent++;
            stmts(1);
            indent--;
            line("}");
        }
    }

    private void module(int i) {
        line("Module M" + i + (rnd.nextBoolean() ? " [instances: " + (1 + rnd.nextInt(9)) + "]" : "") + " {" + trailing());
        indent++;
        int members = rnd.nextInt(5);
        for (int m = 0; m < members; m++) {
            maybeBlank();
            maybeComment();
            switch (rnd.nextInt(4)) {
                case 0 -> line("$s" + m + " = " + expr(2));
                case 1 -> {
                    line("ON (" + pick(EVENTS) + ")" + (rnd.nextBoolean() ? " [route: {shard}]" : "") + " {");
                    block();
                }
                case 2 -> {
                    line("Tick [" + (1 + rnd.nextInt(999)) + "ms" + (rnd.nextBoolean() ? ", missed: coalesce" : "") + "] {");
                    block();
                }
                default -> {
                    String params = rnd.nextBoolean() ? "(delta: Int, who: String = \"x\")" : "";
                    line("E" + m + params + " /" + (rnd.nextBoolean() ? "execute" : "return") + (rnd.nextBoolean() ? " -> Int" : "") + " {");
                    block();
                }
            }
        }
        indent--;
        line("}");
    }

    private void workflow(int i) {
        line("Workflow W" + i + (rnd.nextBoolean() ? "(n: Int, label: String?)" : "") + (rnd.nextBoolean() ? " -> Int" : "")
                + (rnd.nextBoolean() ? " [max_depth: 4]" : "") + " {");
        block();
    }

    private void block() {
        indent++;
        stmts(3);
        indent--;
        line("}" + trailing());
    }

    private void stmts(int depth) {
        int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            maybeBlank();
            maybeComment();
            stmt(depth);
        }
    }

    private void stmt(int depth) {
        int kind = rnd.nextInt(depth <= 0 ? 6 : 16);
        switch (kind) {
            case 0 -> line("let " + pick(LOCALS) + " = " + valueExpr());
            case 1 -> line(target() + " " + pick(new String[] {"=", "+=", "-=", "*="}) + " " + expr(2)
                    + (rnd.nextInt(3) == 0 ? " min 0" : "") + (rnd.nextInt(4) == 0 ? " max 100" : "") + trailing());
            case 2 -> line("Call M" + rnd.nextInt(3) + (rnd.nextBoolean() ? "[" + expr(1) + "]" : "") + ".E" + rnd.nextInt(3)
                    + (rnd.nextBoolean() ? " " + map(1) : "") + (rnd.nextBoolean() ? " [timeout: 2s, retry: 3]" : "")
                    + (rnd.nextBoolean() ? " -> " + pick(LOCALS) : "") + trailing());
            case 3 -> line("Emit " + pick(EVENTS) + " " + map(1));
            case 4 -> line(rnd.nextBoolean() ? "return" : "return " + expr(2));
            case 5 -> line((rnd.nextBoolean() ? "Start" : "Run") + " W" + rnd.nextInt(3) + (rnd.nextBoolean() ? " " + map(1) : "")
                    + (rnd.nextBoolean() ? " [id: \"x\"]" : "") + (rnd.nextBoolean() ? " -> r" : ""));
            case 6 -> {
                line("if " + expr(2) + " {");
                indent++;
                stmts(depth - 1);
                indent--;
                if (rnd.nextBoolean()) {
                    line("} else if " + expr(1) + " {");
                    indent++;
                    stmts(depth - 1);
                    indent--;
                }
                if (rnd.nextBoolean()) {
                    line("} else {");
                    indent++;
                    stmts(depth - 1);
                    indent--;
                }
                line("}");
            }
            case 7 -> {
                line("for " + pick(LOCALS) + " in " + expr(1) + (rnd.nextBoolean() ? " [max: 10]" : "") + " {");
                nested(depth);
            }
            case 8 -> {
                line("while " + expr(2) + (rnd.nextBoolean() ? " [max: 100]" : "") + " {");
                nested(depth);
            }
            case 9 -> {
                line("Saga" + (rnd.nextBoolean() ? " [retries: 3]" : "") + " {");
                indent++;
                int steps = 1 + rnd.nextInt(3);
                for (int s = 0; s < steps; s++) {
                    boolean pivot = s == steps - 1 && rnd.nextBoolean();
                    line((pivot ? "Pivot P" : "Step S") + s + " {");
                    indent++;
                    stmts(depth - 1);
                    indent--;
                    if (!pivot && rnd.nextBoolean()) {
                        line("} Compensate {");
                        indent++;
                        stmts(depth - 1);
                        indent--;
                    }
                    line("}");
                }
                indent--;
                line("}" + (rnd.nextBoolean() ? " -> outcome" : ""));
            }
            case 10 -> {
                line("Lock (\"k:\" + " + expr(1) + (rnd.nextBoolean() ? ", \"other\"" : "") + ")" + (rnd.nextBoolean() ? " [lease: 5s]" : "")
                        + (rnd.nextBoolean() ? " -> token" : "") + " {");
                nested(depth);
            }
            case 11 -> {
                if (rnd.nextBoolean()) {
                    line("Fork {");
                    indent++;
                    int branches = 1 + rnd.nextInt(3);
                    for (int b = 0; b < branches; b++) {
                        line("Branch" + (rnd.nextBoolean() ? " b" + b : "") + " {");
                        nested(depth);
                    }
                    indent--;
                    line("} Join " + pick(new String[] {"all", "any", "1"}) + (rnd.nextBoolean() ? " -> results" : ""));
                } else {
                    line("Fork item in " + expr(1) + (rnd.nextBoolean() ? " [max: 100]" : "") + " {");
                    indent++;
                    stmts(depth - 1);
                    indent--;
                    line("} Join all [on_failure: compensate]");
                }
            }
            case 12 -> {
                line("Ask Ai" + rnd.nextInt(3) + " " + map(1) + " expect { hp: Int [0..], kind: \"a\" | \"b\" }");
                indent++;
                if (rnd.nextBoolean()) line("check positive: answer.hp > 0");
                if (rnd.nextBoolean()) line("[retries: 2]");
                line("otherwise { hp: 1, kind: \"a\" } -> decision");
                indent--;
            }
            case 13 -> line("Await " + pick(EVENTS) + (rnd.nextBoolean() ? " [where: {who} == \"x\", timeout: 5s]" : "") + " -> ev");
            case 14 -> line("Sleep " + (1 + rnd.nextInt(500)) + pick(new String[] {"ms", "s", "m"}));
            default -> line(pick(FUNCS) + "(" + expr(1) + ")");
        }
    }

    private void nested(int depth) {
        indent++;
        stmts(depth - 1);
        indent--;
        line("}");
    }

    private String target() {
        String base = rnd.nextBoolean() ? pick(VARS) : pick(LOCALS);
        return switch (rnd.nextInt(3)) {
            case 0 -> base + ".field";
            case 1 -> base + "[" + expr(1) + "]";
            default -> base;
        };
    }

    private String valueExpr() {
        return rnd.nextInt(4) == 0 ? map(2) : expr(3);
    }

    private String map(int depth) {
        int n = rnd.nextInt(4);
        if (n == 0) return "{}";
        StringBuilder b = new StringBuilder("{");
        boolean multi = rnd.nextInt(3) == 0;
        for (int i = 0; i < n; i++) {
            b.append(multi ? "\n" + "    ".repeat(indent + 1) : " ");
            b.append(rnd.nextBoolean() ? "k" + i : "\"key " + i + "\"").append(": ").append(depth > 0 && rnd.nextInt(4) == 0 ? map(depth - 1) : expr(1));
            if (i < n - 1 || multi && rnd.nextBoolean()) b.append(",");
            if (multi && rnd.nextInt(3) == 0) b.append(" # entry ").append(i);
        }
        b.append(multi ? "\n" + "    ".repeat(indent) : " ").append("}");
        return b.toString();
    }

    private String expr(int depth) {
        if (depth <= 0) return atom();
        return switch (rnd.nextInt(7)) {
            case 0 -> expr(depth - 1) + " " + pick(new String[] {"+", "-", "*", "/", "%"}) + " " + expr(depth - 1);
            case 1 -> "((" + expr(depth - 1) + ") " + pick(new String[] {"==", "!=", "<", "<=", ">", ">="}) + " " + atom() + ")";
            case 2 -> expr(depth - 1) + " " + pick(new String[] {"and", "or", "&&", "||"}) + " " + expr(depth - 1);
            case 3 -> rnd.nextBoolean() ? "-" + atom() : "(" + pick(new String[] {"not ", "!"}) + atom() + ")";
            case 4 -> "(" + expr(depth - 1) + ")";
            case 5 -> pick(FUNCS) + "(" + expr(depth - 1) + (rnd.nextBoolean() ? ", " + atom() : "") + ")";
            default -> "[" + expr(depth - 1) + ", " + atom() + "]";
        };
    }

    private String atom() {
        return switch (rnd.nextInt(12)) {
            case 0 -> String.valueOf(rnd.nextInt(100_000));
            case 1 -> "1_000_000";
            case 2 -> rnd.nextInt(100) + "." + rnd.nextInt(100);
            case 3 -> "2.5e3";
            case 4 -> (1 + rnd.nextInt(100)) + pick(new String[] {"ms", "s", "m", "h", "d"});
            case 5 -> "\"text " + rnd.nextInt(9) + (rnd.nextBoolean() ? "\\n\\\"q\\\"" : "") + "\"";
            case 6 -> pick(new String[] {"true", "false", "none"});
            case 7 -> pick(VARS) + (rnd.nextBoolean() ? ".hp" : "");
            case 8 -> pick(LOCALS);
            case 9 -> "{" + pick(new String[] {"damage", "who", "a.b"}) + "}";
            case 10 -> pick(LOCALS) + "[0]";
            default -> "Other.$state";
        };
    }

    private String pick(String[] xs) {
        return xs[rnd.nextInt(xs.length)];
    }

    private String trailing() {
        return rnd.nextInt(5) == 0 ? " # note " + rnd.nextInt(100) : "";
    }

    private void maybeComment() {
        if (rnd.nextInt(4) == 0) line("# comment " + rnd.nextInt(1000));
    }

    private void maybeBlank() {
        if (rnd.nextInt(3) == 0) out.append('\n');
    }

    private void line(String s) {
        out.append("    ".repeat(indent)).append(s).append('\n');
    }
}
