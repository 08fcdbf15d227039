package dev.baton.cli;

import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Faults;
import dev.baton.runtime.Json;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.journal.Durability;
import dev.baton.runtime.plan.Plan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code baton history FILE}: what a data directory holds, and where instances and workflows stand. */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = {"Inspect a run's data directory: snapshots, the journal of external events, and the state",
                "recovered from them (the same recovery a resumed run does). With --instance or --workflow, show one",
                "instance's state or one workflow's status, parameters and the line it waits at."})
final class HistoryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The program the data directory belongs to.")
    String file;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The data directory (default: .baton/<program name>).")
    Path dataDir;

    @Option(names = "--instance", paramLabel = "NAME", description = "Show one instance, e.g. 'Shard[3]'.")
    String instance;

    @Option(names = "--workflow", paramLabel = "ID", description = "Show one workflow by id.")
    String workflow;

    @Option(names = "--journal", description = "List the journal's records (up to --limit).")
    boolean listJournal;

    @Option(names = "--answers", description = {"List the answers models gave to Ask (up to --limit): each attempt's AI, input, answer or",
            "why there was none, and why the attempt before it was rejected."})
    boolean listAnswers;

    @Option(names = "--asks", description = {"List each Ask the run settled (up to --limit), whoever answered it: where it is, who asked,",
            "its input, every rejected attempt and why, and the value taken (an answer, or the otherwise)."})
    boolean listAsks;

    @Option(names = "--limit", defaultValue = "20", paramLabel = "N", description = "How many records, instances or workflows to list (default: ${DEFAULT-VALUE}).")
    int limit;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Plan plan;
        try {
            plan = Programs.load(file, err, "history");
        } catch (Programs.Failed f) {
            return f.exitCode;
        }
        if (dataDir != null && dataDir.toString().isBlank()) {
            err.println("baton history: --data-dir is empty; give a directory, or leave it out for .baton/<program name>");
            return ExitCode.USAGE;
        }
        Path dir = dataDir != null ? dataDir : Path.of(".baton", RunCommand.stem(file));
        try {
            Properties meta = Durability.meta(dir);
            if (meta == null) {
                err.println("baton history: " + dir + " holds no run (no meta.properties)");
                return ExitCode.INPUT;
            }
            EngineOptions opts;
            try {
                opts = EngineOptions.defaults().withSeed(Long.parseLong(String.valueOf(meta.getProperty("seed")).trim()))
                        .withFaults(Faults.parse(meta.getProperty("faults")));
            } catch (IllegalArgumentException damaged) {
                err.println("baton history: " + dir.resolve("meta.properties") + " is damaged: its seed or faults cannot be read ("
                        + damaged.getMessage() + ")");
                return ExitCode.INPUT;
            }
            // a program edited since (a new version not moved to yet): read the run with the program it ran, so
            // that looking at a run never moves it
            String ran = meta.getProperty("digest");
            Path kept = ran == null ? null : dir.resolve("programs").resolve(ran + ".baton");
            String readWith = null;
            if (meta.getProperty("migrating_from") == null && meta.getProperty("meaning") != null && !meta.getProperty("meaning").equals(plan.meaning)
                    && kept != null && java.nio.file.Files.exists(kept)) {
                dev.baton.lang.CheckResult checked = dev.baton.lang.Baton.check(plan.file.name(), java.nio.file.Files.readString(kept));
                if (!checked.hasErrors()) {
                    try {
                        plan = dev.baton.runtime.internal.compile.Compiler.compileWithValues(checked, plan.params);
                        readWith = "read with the program the run ran under (version " + plan.version + ", " + dir.resolve("programs") + "/" + ran + ".baton)";
                    } catch (dev.baton.runtime.internal.compile.Compiler.PlanException e) {
                        // fall through: the refusal says why
                    }
                }
            }
            long started = System.nanoTime();
            Durability d = Durability.open(dir, plan, opts);
            try {
                out.printf("data directory %s: %s, seed %s, faults %s%n", dir, meta.getProperty("program"), meta.getProperty("seed"),
                        meta.getProperty("faults"));
                RunReport done = d.finishedReport();
                out.println(done == null ? "status: in progress (a run on this directory resumes it)" : "status: finished — " + done.stopReason().replace("already finished: ", ""));
                List<String[]> snaps = d.snapshotList();
                out.printf("snapshots: %d%s%n", snaps.size(), snaps.isEmpty() ? "" : " (newest " + snaps.get(0)[0] + ", " + Reports.n(Long.parseLong(snaps.get(0)[1])) + " bytes)");
                if (readWith != null) out.println("program: " + readWith);
                out.printf("journal: %s bytes of external events%n", Reports.n(d.journal().durableSize()));
                Path moves = dir.resolve("migrations.log");
                if (java.nio.file.Files.exists(moves)) {
                    List<String> lines = java.nio.file.Files.readAllLines(moves);
                    out.printf("migrations: %d%n", lines.size());
                    for (String line : lines) out.println("  " + line);
                }
                if (listJournal) d.journalSummary(limit).forEach(l -> out.println("  " + l));
                List<dev.baton.runtime.internal.journal.AnswerLog.Attempt> answers = d.decisions().attempts();
                if (!answers.isEmpty() || listAnswers) {
                    StringBuilder per = new StringBuilder();
                    d.decisions().spent().forEach((ai, s) -> per.append(per.length() == 0 ? " (" : ", ").append(ai).append(": ")
                            .append(s[0]).append(" asked, ").append(Reports.n(s[1])).append(" tokens"));
                    out.printf("answers: %d attempt(s) answered by models%s%n", answers.size(), per.length() == 0 ? "" : per + ")");
                }
                if (listAnswers) {
                    for (var a : answers.subList(0, Math.min(limit, answers.size()))) {
                        out.printf("  %s%s #%d attempt %d: %s -> %s%s%n", a.ai(), a.scope().isEmpty() ? "" : " in " + a.scope(), a.ordinal(),
                                a.attempt(), Json.write(a.input()), a.noAnswer() != null ? "no answer: " + a.noAnswer() : Json.write(a.answer()),
                                a.rejected().isEmpty() ? "" : " (after: " + String.join("; ", a.rejected()) + ")");
                    }
                    if (answers.size() > limit) out.printf("  … %d more (--limit)%n", answers.size() - limit);
                }
                Core core = d.restore(plan, opts);
                d.recoveryNotes().forEach(n -> out.println("recovery: " + n));
                out.printf("recovered state at %s of engine time in %s%n", Reports.seconds(core.now()), Reports.seconds((System.nanoTime() - started) / 1_000_000));
                out.printf("instances: %d; workflows: %s%n", core.instanceCount(), core.workflowsByStatus());
                if (listAsks) {
                    List<Map<String, Object>> asks = new java.util.ArrayList<>();
                    for (var a : d.decisions().asked()) asks.add(dev.baton.runtime.internal.journal.AnswerLog.plain(a));
                    if (asks.isEmpty()) {
                        out.println("asks: none settled");
                    } else {
                        out.printf("asks: %s settled; the first %d:%n", Reports.n(d.decisions().askedCount()), Math.min(limit, asks.size()));
                        for (var a : asks.subList(0, Math.min(limit, asks.size()))) for (String line : Reports.askLines(a)) out.println("  " + line);
                        if (asks.size() > limit) out.printf("  … %s more (--limit)%n", Reports.n(d.decisions().askedCount() - limit));
                    }
                }
                if (instance != null) {
                    Map<String, Object> i = core.describeInstance(instance);
                    if (i == null) {
                        err.println("baton history: no instance '" + instance + "'; instances are named like " + core.instanceNames().get(0));
                        return ExitCode.PROBLEMS;
                    }
                    out.println(instance + ": " + Json.write(i));
                }
                if (workflow != null) {
                    Map<String, Object> w = core.describeWorkflow(workflow);
                    if (w == null) {
                        List<String> ids = core.workflowIds();
                        err.println("baton history: no workflow '" + workflow + "'" + (ids.isEmpty() ? "" : "; for example " + ids.get(0)));
                        return ExitCode.PROBLEMS;
                    }
                    out.println(workflow + ": " + Json.write(w));
                }
            } finally {
                d.close();
            }
        } catch (dev.baton.runtime.DataDir.InUse e) {
            err.println("baton history: " + e.getMessage());
            return ExitCode.IN_USE;
        } catch (IOException e) {
            err.println("baton history: " + e.getMessage());
            return ExitCode.INPUT;
        }
        out.flush();
        return ExitCode.OK;
    }
}
