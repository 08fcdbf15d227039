package dev.baton.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.lang.Diagnostic;
import dev.baton.lang.DiagnosticRenderer;
import dev.baton.lang.Severity;
import dev.baton.lang.SourceFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code baton check FILES…}: parse and check programs, print diagnostics. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check Baton programs: syntax, names, types and rules.",
                "Prints each problem as file:line:col with the source line and a caret.",
                "Exits 0 when there are no errors (warnings alone do not fail), 1 when there are."})
final class CheckCommand implements Callable<Integer> {
    enum Format { text, json }

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files or directories (searched for *.baton); '-' reads stdin.")
    List<String> files;

    @Option(names = "--format", defaultValue = "text", description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = {"-W", "--warnings-as-errors"}, description = "Fail (exit 1) on warnings too.")
    boolean warningsAsErrors;

    @Option(names = "--workflows", description = {"Also tell, for each workflow, whether it is self-contained (engines run it apart:",
            "a core of its own, a child workflow on Temporal) or what ties it to the run."})
    boolean workflows;

    @Option(names = "--modules", description = {"Also tell, for each module, whether it can live on the state store (a hot module: each call a",
            "transaction on its record; 'baton run --engine temporal --state' keeps the hot ones there) or what keeps it in the run."})
    boolean modules;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Inputs.Loaded loaded = Inputs.load(files, System.in, err, "check");
        if (loaded == null) return ExitCode.INPUT;
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode report = json.createObjectNode();
        ArrayNode fileNodes = report.putArray("files");
        long errors = 0;
        long warnings = 0;
        for (Inputs.Input input : loaded.inputs()) {
            SourceFile src = input.source();
            CheckResult r = Baton.check(src);
            errors += r.errorCount();
            warnings += r.warningCount();
            java.util.Map<String, dev.baton.runtime.internal.compile.Detachable.Verdict> verdicts =
                    workflows ? dev.baton.runtime.internal.compile.Detachable.of(r.program()) : java.util.Map.of();
            java.util.Map<String, dev.baton.lang.Span> declared = new java.util.HashMap<>();
            for (dev.baton.lang.ast.Decl d : r.program().decls()) {
                if (d instanceof dev.baton.lang.ast.Decl.Workflow w) declared.put(w.name().text(), w.name().span());
                if (d instanceof dev.baton.lang.ast.Decl.Module m) declared.put(m.name().text(), m.name().span());
            }
            // compiled (for instance counts and the partitions), once, only when asked about placement: plain check
            // stays a front-end pass
            dev.baton.runtime.plan.Plan compiled = modules && !r.hasErrors() ? plan(r) : null;
            java.util.function.Predicate<String> single = singles(compiled);
            java.util.Map<String, dev.baton.runtime.internal.compile.HotModules.Verdict> placement =
                    modules && !r.hasErrors() ? dev.baton.runtime.internal.compile.HotModules.of(r, single) : java.util.Map.of();
            if (format == Format.text) {
                for (Diagnostic d : r.diagnostics()) out.print(DiagnosticRenderer.render(d));
                verdicts.forEach((name, v) -> {
                    dev.baton.lang.Span at = v.selfContained() ? declared.get(name) : v.where();
                    out.println(src.name() + ":" + src.line(at.start()) + ":" + src.column(at.start()) + ": workflow " + name
                            + (v.selfContained() ? " is self-contained: it runs apart (a child workflow on Temporal)"
                            : " runs within the run: " + v.why()));
                });
                placement.forEach((name, v) -> {
                    dev.baton.lang.Span at = v.storable() ? declared.get(name) : v.where();
                    String owns = v.owns().isEmpty() ? "" : " (owns $" + String.join(", $", v.owns()) + ")";
                    out.println(src.name() + ":" + src.line(at.start()) + ":" + src.column(at.start()) + ": module " + name
                            + (!v.storable() ? " stays in the run: " + v.why()
                            : v.hot(single) ? " is hot: it lives on the state store" + owns + " (--engine temporal --state)"
                            : " can live on the state store" + owns + " (--hot-modules " + name + ")"));
                });
                if (modules && !r.hasErrors()) {
                    dev.baton.runtime.plan.Plan plan = compiled;
                    if (plan != null) {
                        out.println(plan.unsplittable == null
                                ? src.name() + ": the run can be spread over partitions (--partitions N): " + String.join(", ", plan.split)
                                + " split, sharing " + String.join(", ", plan.hot) + " on the state store"
                                : unsplittable(src.name(), plan.unsplittable));
                    }
                }
            } else {
                ObjectNode f = fileNodes.addObject();
                f.put("file", src.name());
                f.put("errors", r.errorCount());
                f.put("warnings", r.warningCount());
                ArrayNode ds = f.putArray("diagnostics");
                for (Diagnostic d : r.diagnostics()) {
                    ObjectNode n = ds.addObject();
                    n.put("code", d.code().id());
                    n.put("severity", d.severity().label());
                    n.put("message", d.message());
                    n.put("line", d.line());
                    n.put("column", d.column());
                    n.put("endLine", d.endLine());
                    n.put("endColumn", d.endColumn());
                    n.put("offset", d.span().start());
                    n.put("length", d.span().length());
                    if (d.suggestion() != null) n.put("suggestion", d.suggestion());
                }
                if (workflows) {
                    ArrayNode ws = f.putArray("workflows");
                    verdicts.forEach((name, v) -> verdict(ws, src, name, "selfContained", v.why(), v.selfContained() ? declared.get(name) : v.where()));
                }
                if (modules && compiled != null) {
                    dev.baton.runtime.plan.Plan plan = compiled;
                    ObjectNode p = f.putObject("partitions");
                    p.put("possible", plan.unsplittable == null);
                    ArrayNode split = p.putArray("split");
                    plan.split.forEach(split::add);
                    if (plan.unsplittable != null) p.put("reason", plan.unsplittable);
                }
                if (modules) {
                    ArrayNode ms = f.putArray("modules");
                    placement.forEach((name, v) -> {
                        ObjectNode n = verdict(ms, src, name, "storable", v.why(), v.storable() ? declared.get(name) : v.where());
                        n.put("hot", v.hot(single));
                        ArrayNode owns = n.putArray("owns");
                        v.owns().forEach(owns::add);
                    });
                }
            }
        }
        boolean failed = errors > 0 || warningsAsErrors && warnings > 0;
        if (format == Format.json) {
            report.put("errors", errors);
            report.put("warnings", warnings);
            report.put("ok", !failed && !loaded.unreadable());
            out.println(report.toPrettyString());
        } else {
            int n = loaded.inputs().size();
            String summary = "checked " + n + " file" + (n == 1 ? "" : "s") + ": "
                    + errors + " error" + (errors == 1 ? "" : "s") + ", " + warnings + " warning" + (warnings == 1 ? "" : "s");
            if (errors + warnings > 0) out.println(); // the summary stands apart from the last caret line
            out.flush(); // and comes after it, even when the two streams go to one terminal
            (failed ? err : out).println(summary);
        }
        out.flush();
        if (loaded.unreadable()) return ExitCode.INPUT;
        return failed ? ExitCode.PROBLEMS : ExitCode.OK;
    }

    /** A verdict as JSON: {@code name}, {@code flag} (true when {@code why} is null), {@code reason}, {@code line}, {@code column} of {@code at}. */
    private static ObjectNode verdict(ArrayNode into, SourceFile src, String name, String flag, String why, dev.baton.lang.Span at) {
        ObjectNode n = into.addObject();
        n.put("name", name);
        n.put(flag, why == null);
        if (why != null) n.put("reason", why);
        n.put("line", src.line(at.start()));
        n.put("column", src.column(at.start()));
        return n;
    }

    /** {@code FILE:LINE:COL: the run cannot be spread over partitions: WHY} (the position of {@code why}, else the file's). */
    private static String unsplittable(String file, String why) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\S+:\\d+:\\d+): (.*)$").matcher(why);
        return m.matches() ? m.group(1) + ": the run cannot be spread over partitions: " + m.group(2)
                : file + ": the run cannot be spread over partitions: " + why;
    }

    /** The program compiled with its parameters' defaults, or null. */
    private static dev.baton.runtime.plan.Plan plan(CheckResult r) {
        try {
            return dev.baton.runtime.internal.compile.Compiler.compile(r);
        } catch (dev.baton.runtime.internal.compile.Compiler.PlanException e) {
            return null;
        }
    }

    /** Which modules have one instance, with the parameters' defaults (no plan — a program with errors: none is told). */
    private static java.util.function.Predicate<String> singles(dev.baton.runtime.plan.Plan plan) {
        if (plan == null) return m -> false;
        return m -> plan.moduleIndex(m) >= 0 && plan.modules.get(plan.moduleIndex(m)).keys.size() == 1;
    }
}
