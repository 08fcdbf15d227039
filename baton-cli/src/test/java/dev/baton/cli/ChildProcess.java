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
        t.start();
        return out;
    }

    /** SIGKILL: no shutdown hooks, no flushing — what a crash looks like. */
    static void kill9(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor();
    }
}
