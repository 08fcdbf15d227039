package dev.baton.cli;

import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.lang.Diagnostic;
import dev.baton.lang.DiagnosticRenderer;
import dev.baton.lang.Severity;
import dev.baton.lang.SourceFile;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Shared by the commands that run programs: read, check, plan — or say why not. */
final class Programs {
    /** A program that could not be loaded; {@code exitCode} says why. */
    static final class Failed extends Exception {
        final int exitCode;

        Failed(int exitCode) {
            super(null, null, false, false);
            this.exitCode = exitCode;
        }
    }

    private Programs() {
    }

    static Plan load(String file, PrintWriter err, String command) throws Failed {
        return load(file, err, command, java.util.List.of());
    }

    /**
     * Reads, checks and plans a program; {@code paramArgs} are the command line's leftover
     * {@code --name value} / {@code --name=value} pairs, which set the program's {@code Param}s.
     */
    static Plan load(String file, PrintWriter err, String command, java.util.List<String> paramArgs) throws Failed {
        return load(file, err, command, overrides(paramArgs, err, command));
    }

    /**
     * {@code --NAME VALUE} / {@code --NAME=VALUE} pairs, in order; the same name twice is a
     * usage error (which one was meant?).
     */
    static java.util.Map<String, String> overrides(java.util.List<String> paramArgs, PrintWriter err, String command) throws Failed {
        java.util.Map<String, String> overrides = new java.util.LinkedHashMap<>();
        for (int i = 0; i < paramArgs.size(); i++) {
            String a = paramArgs.get(i);
            if (!a.startsWith("--") || a.length() < 3) {
                err.println("baton " + command + ": unexpected argument '" + a + "'");
                throw new Failed(ExitCode.USAGE);
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < paramArgs.size()) {
                value = paramArgs.get(++i);
            } else {
                err.println("baton " + command + ": --" + name + " needs a value");
                throw new Failed(ExitCode.USAGE);
            }
            if (overrides.containsKey(name)) {
                err.println("baton " + command + ": --" + name + " is given twice (" + overrides.get(name) + " and " + value + "); give it once");
                throw new Failed(ExitCode.USAGE);
            }
            overrides.put(name, value);
        }
        return overrides;
    }

    /**
     * Matches {@code --NAME} overrides to the program's {@code Param}s: {@code --boss-hp} sets
     * {@code Param boss_hp} (dashes and underscores alike); an unknown name is a usage error
     * naming the closest option or parameter.
     */
    private static java.util.Map<String, String> matchParams(CheckResult checked, java.util.Map<String, String> overrides, PrintWriter err,
                                                             String command, java.util.Collection<String> options) throws Failed {
        java.util.List<String> params = new java.util.ArrayList<>();
        for (dev.baton.lang.ast.Decl d : checked.program().decls()) {
            if (d instanceof dev.baton.lang.ast.Decl.Parameter p) params.add(p.name().text());
        }
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        java.util.List<String> unknown = new java.util.ArrayList<>();
        for (java.util.Map.Entry<String, String> o : overrides.entrySet()) {
            String name = o.getKey();
            String match = params.contains(name) ? name : params.stream().filter(p -> p.replace('-', '_').equals(name.replace('-', '_'))).findFirst().orElse(null);
            if (match == null) {
                unknown.add(name);
                continue;
            }
            if (out.containsKey(match)) {
                err.println("baton " + command + ": --" + match + " is given twice; give it once");
                throw new Failed(ExitCode.USAGE);
            }
            out.put(match, o.getValue());
        }
        if (!unknown.isEmpty()) {
            java.util.List<String> known = new java.util.ArrayList<>(options);
            for (String p : params) known.add("--" + p);
            for (String name : unknown) {
                String hint = dev.baton.lang.DidYouMean.closest("--" + name, known);
                err.println("baton " + command + ": unknown option --" + name + (hint != null ? "; did you mean " + hint + "?"
                        : params.isEmpty() ? " (the program declares no Param)"
                        : " (the program's parameters: " + String.join(", ", params.stream().map(p -> "--" + p).toList()) + ")"));
            }
            err.println("Run 'baton " + command + " --help' for usage.");
            throw new Failed(ExitCode.USAGE);
        }
        return out;
    }

    static Plan load(String file, PrintWriter err, String command, java.util.Map<String, String> overrides) throws Failed {
        return load(file, err, command, overrides, java.util.List.of());
    }

    /**
     * Reads, checks and plans a program with {@code overrides} for its {@code Param}s; the map is
     * left holding the parameters' own names ({@code --boss-hp} → {@code boss_hp}), as engines that
     * compile the program again elsewhere need them. {@code options} are the command's own
     * options, for "did you mean" on an unknown one.
     */
    static Plan load(String file, PrintWriter err, String command, java.util.Map<String, String> overrides,
                     java.util.Collection<String> options) throws Failed {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) {
            err.println("baton " + command + ": " + file + ": no such file");
            throw new Failed(ExitCode.INPUT);
        }
        SourceFile src;
        try {
            src = Inputs.read(p, System.in);
        } catch (Inputs.InputException e) {
            err.println("baton " + command + ": " + e.getMessage());
            throw new Failed(ExitCode.INPUT);
        }
        CheckResult checked = Baton.check(src);
        for (Diagnostic d : checked.diagnostics()) {
            if (d.severity() == Severity.ERROR) err.print(DiagnosticRenderer.render(d));
        }
        if (checked.hasErrors()) {
            err.println("baton " + command + ": " + file + " has " + checked.errorCount() + " error(s); nothing was run");
            throw new Failed(ExitCode.PROBLEMS);
        }
        java.util.Map<String, String> params = matchParams(checked, overrides, err, command, options);
        overrides.clear();
        overrides.putAll(params);
        try {
            return Compiler.compile(checked, params);
        } catch (Compiler.PlanException e) {
            e.problems.forEach(problem -> err.println("baton " + command + ": " + problem));
            throw new Failed(params.isEmpty() ? ExitCode.PROBLEMS : ExitCode.USAGE);
        }
    }

    /** Parses {@code 500ms}, {@code 10s}, {@code 1.5m}, {@code 2h}, {@code 1d}. */
    static Duration duration(String text) {
        return dev.baton.runtime.value.Values.parseDuration(text);
    }

    /** picocli converter for durations. */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return duration(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** picocli converter for fault lists. */
    static final class FaultsConverter implements picocli.CommandLine.ITypeConverter<dev.baton.runtime.Faults> {
        @Override
        public dev.baton.runtime.Faults convert(String value) {
            try {
                return dev.baton.runtime.Faults.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
