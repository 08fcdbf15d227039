package dev.baton.cli;

/** The exit codes every {@code baton} command uses. Documented in README.md and {@code baton --help}. */
public final class ExitCode {
    /** Success. */
    public static final int OK = 0;
    /** The command ran and found problems: errors in a program, unformatted files, a failed invariant. */
    public static final int PROBLEMS = 1;
    /** The command line was wrong: unknown flag, missing argument, bad value. */
    public static final int USAGE = 2;
    /** An input could not be read: missing file, a directory with no .baton files, no permission. */
    public static final int INPUT = 3;
    /** A bug in Baton itself. The message says so; --verbose shows the trace. */
    public static final int INTERNAL = 4;
    /** A data directory is in use by another baton process: nothing was touched; try again when it ends. */
    public static final int IN_USE = 5;
    /** Stopped by Ctrl-C (SIGINT; the shell's 130) or SIGTERM: the run is kept, unfinished; the same command resumes it. */
    public static final int INTERRUPTED = 130;

    private ExitCode() {
    }
}
