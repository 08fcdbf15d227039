package dev.baton.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;

/** The {@code baton} command. Each subcommand is its own class; this one only wires them. */
@Command(name = "baton",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Baton: one readable language for the intent of a system, run by interchangeable engines.",
        subcommands = {CheckCommand.class, FmtCommand.class, RunCommand.class, SimCommand.class, CallCommand.class, WorkerCommand.class, HistoryCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {
                "  0  ok",
                "  1  problems found (errors in a program, unformatted files, a violated invariant in a run's Report)",
                "  2  usage error (unknown flag, bad value)",
                "  3  an input could not be read",
                "  4  internal error (a bug in Baton; --verbose shows details)"})
public final class Main implements Runnable {
    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Show internal details (stack traces) when Baton itself fails.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code. Used by tests too. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        Main main = new Main();
        CommandLine cli = new CommandLine(main);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExitCodeExceptionMapper(e -> ExitCode.INTERNAL);
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("baton: " + ex.getMessage());
            c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCode.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("baton: internal error: " + ex + " — this is a bug in Baton; please report it"
                    + (main.verbose ? "" : " (run with --verbose for details)"));
            if (main.verbose) {
                // the --verbose view for bug reports: the exception and where it came from
                for (Throwable t = ex; t != null; t = t.getCause()) {
                    c.getErr().println((t == ex ? "" : "caused by: ") + t);
                    for (StackTraceElement el : t.getStackTrace()) c.getErr().println("    at " + el);
                }
            }
            return ExitCode.INTERNAL;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/baton-version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"baton " + p.getProperty("version", "unknown") + " (Java " + System.getProperty("java.version") + ")"};
        }
    }
}
