package dev.baton.bench;

import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.lang.ParseResult;
import dev.baton.lang.SourceFile;
import dev.baton.lang.format.Formatter;
import dev.baton.lang.internal.DiagnosticSink;
import dev.baton.lang.internal.parse.Lexer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Front-end throughput on a generated 10,000-line program: lex only (the baseline: the least
 * any front end must do), parse, parse + check, and format. Prints lines/s (median of the
 * measured runs) and each phase's cost relative to lexing, all from the same run.
 *
 * <p>Run: {@code bench/run parse} (arguments: lines, warm-up runs, measured runs).
 */
public final class ParseBench {
    private ParseBench() {
    }

    public static void main(String[] args) {
        int lines = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        String src = program(lines);
        SourceFile file = SourceFile.of("bench.baton", src);
        int actualLines = file.lineCount();
        CheckResult sanity = Baton.check(file);
        if (!sanity.diagnostics().isEmpty()) {
            throw new IllegalStateException("generated program has diagnostics: " + sanity.diagnostics().get(0).headline());
        }
        ParseResult parsed = Baton.parse(file);

        System.out.printf("Baton front end, %d-line program (%d KB), %d warm-up + %d measured runs, Java %s, %d cores%n%n",
                actualLines, src.length() / 1024, warmup, runs, System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        List<Supplier<Integer>> phases = List.of(
                () -> new Lexer(file, new DiagnosticSink(file)).run().tokens().size(),
                () -> Baton.parse(file).program().decls().size(),
                () -> Baton.check(file).diagnostics().size(),
                () -> Formatter.format(parsed).length());
        double[] median = measure(warmup, runs, phases);
        double lex = median[0];
        double parse = median[1];
        double check = median[2];
        double fmt = median[3];
        System.out.printf("%-22s %12s %14s %12s%n", "phase", "median ms", "lines/s", "vs lex");
        row("lex (baseline)", lex, actualLines, lex);
        row("parse", parse, actualLines, lex);
        row("parse + check", check, actualLines, lex);
        row("format (from tree)", fmt, actualLines, lex);
        System.out.printf("%nparse + check: %,.0f lines/s (target >= 200,000)%n", actualLines / (check / 1000));
    }

    private static void row(String name, double ms, int lines, double baseline) {
        System.out.printf("%-22s %12.2f %,14.0f %11.1fx%n", name, ms, lines / (ms / 1000), ms / baseline);
    }

    /**
     * Median wall time in ms of each phase. Phases are warmed up and measured round-robin,
     * so JIT compilation and GC fall evenly on all of them.
     */
    private static double[] measure(int warmup, int runs, List<Supplier<Integer>> phases) {
        long sink = 0;
        for (int i = 0; i < warmup; i++) {
            for (Supplier<Integer> p : phases) sink += p.get();
        }
        List<List<Double>> times = new ArrayList<>();
        for (int k = 0; k < phases.size(); k++) times.add(new ArrayList<>());
        for (int i = 0; i < runs; i++) {
            for (int k = 0; k < phases.size(); k++) {
                long t0 = System.nanoTime();
                sink += phases.get(k).get();
                times.get(k).add((System.nanoTime() - t0) / 1e6);
            }
        }
        if (sink == 42) System.out.print("");
        double[] out = new double[phases.size()];
        for (int k = 0; k < phases.size(); k++) {
            List<Double> t = times.get(k);
            Collections.sort(t);
            out[k] = t.get(t.size() / 2);
        }
        return out;
    }

    /** A realistic program: shard modules with handlers and endpoints, and saga workflows. */
    public static String program(int lines) {
        StringBuilder b = new StringBuilder("version 1\n\nEvent Player.Hit { player_id: String, shard: Int [0..], damage: Int [0..1000] }\n\n");
        b.append("$boss = { hp: 1_000_000, status: \"alive\", version: 0 }\n\n");
        int i = 0;
        while (b.chars().filter(c -> c == '\n').count() < lines - 40) {
            b.append("# --- unit ").append(i).append(" ---\n");
            b.append("Module Shard").append(i).append(" [instances: 8] {\n");
            b.append("    $buffer = 0\n    $hits: Map<Int> = {}\n\n");
            b.append("    ON (Player.Hit) [route: {shard}] {\n");
            b.append("        $buffer += {damage}\n");
            b.append("        $hits[{player_id}] = get($hits, {player_id}, 0) + 1\n    }\n\n");
            b.append("    Tick [100ms, missed: coalesce] {\n        if $buffer > 0 {\n");
            b.append("            Call Authority").append(i).append(".Apply { delta: $buffer, shard: $my_id } [timeout: 1s, retry: 3]\n");
            b.append("            $buffer = 0\n        }\n    }\n\n");
            b.append("    Hits(player: String) /return -> Int {\n        return get($hits, player, 0)\n    }\n}\n\n");
            b.append("Module Authority").append(i).append(" {\n");
            b.append("    Apply(delta: Int [0..], shard: Int) /execute {\n        $boss.hp -= delta min 0\n        $boss.version += 1\n    }\n");
            b.append("    Refund(delta: Int) /execute {\n        $boss.hp += delta\n    }\n}\n\n");
            b.append("Workflow Settle").append(i).append("(player: String, amount: Int [1..]) -> String {\n");
            b.append("    Saga [retries: 3] {\n        Step Take {\n");
            b.append("            Call Authority").append(i).append(".Apply { delta: amount, shard: 0 }\n");
            b.append("        } Compensate {\n            Call Authority").append(i).append(".Refund { delta: amount }\n        }\n");
            b.append("        Pivot Record {\n            Emit Player.Hit { player_id: player, shard: 0, damage: amount % 1000 }\n        }\n");
            b.append("    } -> outcome\n    return outcome\n}\n\n");
            i++;
        }
        return b.toString();
    }
}
