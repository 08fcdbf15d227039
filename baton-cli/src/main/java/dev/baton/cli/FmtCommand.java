package dev.baton.cli;

import dev.baton.lang.Baton;
import dev.baton.lang.Diagnostic;
import dev.baton.lang.DiagnosticRenderer;
import dev.baton.lang.ParseResult;
import dev.baton.lang.SourceFile;
import dev.baton.lang.format.Formatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code baton fmt [--check] FILES…}: rewrite files in the canonical layout. */
@Command(name = "fmt", mixinStandardHelpOptions = true,
        description = {"Format Baton programs in the one canonical layout (comments are kept).",
                "Rewrites files in place; with --check only lists the files that would change.",
                "A file with syntax errors is left untouched and its errors are printed."})
final class FmtCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files or directories (searched for *.baton); '-' formats stdin to stdout.")
    List<String> files;

    @Option(names = "--check", description = "Do not write; list unformatted files and exit 1 if there are any.")
    boolean check;

    @Option(names = "--stdout", description = "Print the formatted text instead of rewriting the files.")
    boolean toStdout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Inputs.Loaded loaded = Inputs.load(files, System.in, err, "fmt");
        if (loaded == null) return ExitCode.INPUT;
        int code = loaded.unreadable() ? ExitCode.INPUT : ExitCode.OK;
        int changed = 0;
        for (Inputs.Input input : loaded.inputs()) {
            SourceFile src = input.source();
            Path p = input.path();
            ParseResult parsed = Baton.parse(src);
            if (parsed.hasErrors()) {
                for (Diagnostic d : parsed.diagnostics()) err.print(DiagnosticRenderer.render(d));
                err.println("baton fmt: " + src.name() + ": not formatted because of syntax errors");
                code = Math.max(code, ExitCode.PROBLEMS);
                continue;
            }
            String formatted;
            try {
                formatted = Formatter.formatVerified(parsed);
            } catch (Formatter.Unprintable u) {
                err.println("baton fmt: " + src.name() + ": not formatted: " + u.getMessage() + " at line " + u.line
                        + " of the formatted text — a bug in the formatter; the file is left as it is");
                code = Math.max(code, ExitCode.PROBLEMS);
                continue;
            }
            boolean stdin = input.isStdin();
            if (toStdout || stdin && !check) {
                out.print(formatted);
                continue;
            }
            if (formatted.equals(src.text())) continue;
            changed++;
            if (check) {
                out.println(src.name());
                code = Math.max(code, ExitCode.PROBLEMS);
                continue;
            }
            try {
                Path tmp = p.resolveSibling(p.getFileName() + ".fmt-tmp");
                Files.writeString(tmp, formatted, StandardCharsets.UTF_8);
                Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                out.println("formatted " + src.name());
            } catch (IOException e) {
                err.println("baton fmt: " + p + ": cannot write (" + e.getMessage() + ")");
                code = ExitCode.INPUT;
            }
        }
        if (check && changed > 0) err.println(changed + " file" + (changed == 1 ? "" : "s") + " not formatted; run 'baton fmt' on them");
        out.flush();
        return code;
    }
}
