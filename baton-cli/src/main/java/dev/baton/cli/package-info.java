/**
 * The {@code baton} command: one class per subcommand, wired in {@link dev.baton.cli.Main}.
 * Commands parse flags, call the front end or an engine, and map outcomes to the exit codes
 * in {@link dev.baton.cli.ExitCode}. They print messages, never stack traces (unless
 * {@code --verbose}).
 */
package dev.baton.cli;
