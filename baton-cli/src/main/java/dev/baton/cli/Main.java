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
        subcommands = {CheckCommand.class, FmtCommand.class, RunCommand.class, ServeCommand.class, SimCommand.class, CallCommand.class, WorkerCommand.class, HistoryCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {
                "  0  ok",
                "  1  problems found (errors in a program, unformatted files, a violated invariant in a run's Report)",
                "  2  usage error (unknown flag, bad value)",
                "  3  an input could not be read",
                "  4  internal error (a bug in Baton; --verbose shows details)",
                "  5  the data directory is in use by another baton process (nothing was touched)",
                "  130/143  stopped by Ctrl-C / SIGTERM (a run is kept unfinished: the same command resumes it;",
                "           baton serve exits 0: stopping is how a service ends)"})
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
        CommandLine.ITypeConverter<Long> wholeNumber = v -> {
            try {
                return Long.parseLong(v.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + v + "' is not a whole number");
            }
        };
        CommandLine.ITypeConverter<Integer> count = v -> {
            long n = wholeNumber.convert(v);
            if (n != (int) n) throw new CommandLine.TypeConversionException("'" + v + "' is out of range (at most " + Integer.MAX_VALUE + ")");
            return (int) n;
        };
        cli.registerConverter(Long.class, wholeNumber).registerConverter(long.class, wholeNumber)
                .registerConverter(Integer.class, count).registerConverter(int.class, count);
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            String hint = "";
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                hint = "; did you mean " + u.getSuggestions().get(0) + "?";
            }
            c.getErr().println("baton: " + ex.getMessage() + hint);
            c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCode.USAGE;
        });
        if (args.length > 0 && !args[0].startsWith("-") && !cli.getSubcommands().containsKey(args[0])) {
            // before picocli sees it: with --help after it, an unknown command would print the root help and exit 0
            java.util.Set<String> commands = cli.getSubcommands().keySet();
            err.println("baton: unknown command '" + args[0] + "'" + dev.baton.lang.DidYouMean.hint(args[0], commands)
                    + " (commands: " + String.join(", ", commands) + ")");
            err.println("Run 'baton --help' for usage.");
            err.flush();
            return ExitCode.USAGE;
        }
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("baton: internal error: " + ex + " — this is a bug in Baton; please report it"
                    + (main.verbose ? "" : " (run with --verbose for details)"));
            // the --verbose view for bug reports: the exception and where it came from
            if (main.verbose) printTrace(ex, c.getErr());
            return ExitCode.INTERNAL;
        });
        try {
            return cli.execute(args);
        } catch (Throwable e) {
            // Errors are not Exceptions: picocli lets them through; they still get a message and exit 4
            return failed(e, err, main.verbose);
        }
    }

    /** The message and exit code of a failure that escaped a command: out of memory, a stack overflow, any other throwable. */
    static int failed(Throwable e, PrintWriter err, boolean verbose) {
        if (e instanceof OutOfMemoryError) {
            err.println("baton: out of memory (" + e.getMessage() + "): the work needs more heap than this JVM has"
                    + " (at most " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB); give it more with BATON_JAVA_OPTS=\"-Xmx8g\","
                    + " or make the run smaller");
        } else {
            err.println("baton: internal error: " + (e instanceof StackOverflowError ? "the stack overflowed" : e.toString())
                    + " — this is a bug in Baton; please report it" + (verbose ? "" : " (run with --verbose for details)"));
            if (verbose) printTrace(e, err);
        }
        err.flush();
        return ExitCode.INTERNAL;
    }

    private static void printTrace(Throwable ex, PrintWriter err) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            err.println((t == ex ? "" : "caused by: ") + t);
            StackTraceElement[] trace = t.getStackTrace();
            for (int i = 0; i < Math.min(trace.length, 200); i++) err.println("    at " + trace[i]);
        }
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
