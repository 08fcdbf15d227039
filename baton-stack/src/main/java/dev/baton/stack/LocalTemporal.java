package dev.baton.stack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Temporal's Java test server (the in-memory Temporal service of {@code temporal-testing}) as a
 * child JVM bound to 127.0.0.1:PORT (and stopping when the process that started it is gone): a real gRPC endpoint that Temporal clients reach with
 * {@code setTarget("127.0.0.1:PORT")}, exactly as they reach a production cluster. It keeps
 * nothing on disk: a restart starts empty. Every history stays in its memory (a 2 GB heap); it
 * exits when that runs out, rather than answer nothing while it collects garbage.
 */
public final class LocalTemporal implements AutoCloseable {
    public final int port;
    private final Process process;

    private LocalTemporal(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    public static LocalTemporal start(int port, Path logDir) throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve("temporal.log");
        // bound to 127.0.0.1 only, and gone when this process is (see ChildMain)
        Process p = new ProcessBuilder(ChildMain.command(List.of("-Xmx2g", "-XX:+ExitOnOutOfMemoryError"), TemporalServer.class.getName(),
                Integer.toString(port)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!listening(port)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                List<String> lines = Files.readAllLines(log);
                throw new IOException("Temporal's test server did not start; see " + log + ":\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            }
            Thread.sleep(100);
        }
        return new LocalTemporal(port, p);
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    public String target() {
        return "127.0.0.1:" + port;
    }

    public Process process() {
        return process;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
