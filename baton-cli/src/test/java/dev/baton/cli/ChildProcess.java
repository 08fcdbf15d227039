package dev.baton.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@code baton} as a real child JVM (the test's own classpath), so tests can kill -9 it. */
final class ChildProcess {
    private ChildProcess() {
    }

    static Process start(Path workDir, String... args) throws IOException {
        return builder(workDir, args).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Standard error merged into standard output (acknowledgements go to standard error with --report json). */
    static Process startMerged(Path workDir, String... args) throws IOException {
        return builder(workDir, args).redirectErrorStream(true).start();
    }

    /** Standard error kept apart, readable with {@link Process#getErrorStream()}. */
    static Process startWithErr(Path workDir, String... args) throws IOException {
        return builder(workDir, args).start();
    }

    private static ProcessBuilder builder(Path workDir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.baton.cli.Main");
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(workDir.toFile());
    }

    /** The lines a process prints on standard output (with standard error when merged), collected as they come. */
    static java.util.List<String> lines(Process p) {
        return lines(p, false);
    }

    /** The lines a process prints on standard error ({@code err}; started with {@link #startWithErr}) or output, as they come. */
    static java.util.List<String> lines(Process p, boolean err) {
        java.util.List<String> out = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread t = new Thread(() -> {
            try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(err ? p.getErrorStream() : p.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) out.add(line);
            } catch (IOException ignored) {
                // killed
            }
        });
        t.setDaemon(true);
        readers.put(out, t);
        t.start();
        return out;
    }

    /** The reader of each list {@link #lines} returned (by identity), to wait for its last line. */
    private static final java.util.Map<java.util.List<String>, Thread> readers = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    /**
     * Waits until the reader of {@code lines} has taken the process's last line (its output ended:
     * the process exited), up to {@code seconds} — a bound for a hang only.
     */
    static void awaitEnd(java.util.List<String> lines, long seconds) throws InterruptedException {
        Thread t = readers.get(lines);
        if (t == null) throw new IllegalArgumentException("not a list ChildProcess.lines returned");
        t.join(java.util.concurrent.TimeUnit.SECONDS.toMillis(seconds));
        if (t.isAlive()) throw new AssertionError("the process's output did not end within " + seconds + " s");
        readers.remove(lines);
    }

    /** SIGKILL: no shutdown hooks, no flushing — what a crash looks like. */
    static void kill9(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor();
    }
}
