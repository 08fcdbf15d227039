package dev.baton.redis;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} child process on 127.0.0.1 (from the OS packages), ready when it
 * answers PING: for the tests, the benchmarks and a local stack to try Baton on.
 */
public final class LocalRedis implements AutoCloseable {
    public final int port;
    public final Path dir;
    private final Process process;

    private LocalRedis(int port, Process process, Path dir) {
        this.port = port;
        this.process = process;
        this.dir = dir;
    }

    /** A throwaway server on a free port, nothing kept on disk. */
    public static LocalRedis start() throws IOException, InterruptedException {
        return start(freePort(), Files.createTempDirectory("baton-redis"), false);
    }

    /**
     * A server on {@code port} keeping its data in {@code dir}; when {@code durable}, every
     * write is in the append-only file (fsynced) before Redis answers it.
     */
    public static LocalRedis start(int port, Path dir, boolean durable) throws IOException, InterruptedException {
        return start(port, dir, durable, List.of());
    }

    /**
     * As {@link #start(int, Path, boolean)}, with more {@code redis-server} options (e.g.
     * {@code --requirepass}, {@code --tls-port}); it is ready when the plain {@code port} answers
     * PING, with PONG or by asking for a password.
     */
    public static LocalRedis start(int port, Path dir, boolean durable, List<String> options) throws IOException, InterruptedException {
        return start(port, dir, durable, options, false);
    }

    /**
     * As {@link #start(int, Path, boolean, List)}; with {@code dieWithThisThread} the server gets
     * SIGTERM when the thread that starts it ends — also when this process is killed with
     * {@code kill -9} (Linux's parent-death signal, through util-linux's {@code setpriv}; where
     * that is missing, the server is only stopped by {@link #close}). For a process whose starting
     * thread lives as long as it does ({@code baton up}'s main thread).
     */
    public static LocalRedis start(int port, Path dir, boolean durable, List<String> options, boolean dieWithThisThread)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        if (dieWithThisThread && setpriv() != null) cmd.addAll(List.of(setpriv(), "--pdeathsig", "TERM"));
        cmd.addAll(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--dir", dir.toString()));
        cmd.addAll(durable ? List.of("--appendonly", "yes", "--appendfsync", "always") : List.of("--appendonly", "no"));
        cmd.addAll(options);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("Cannot run program")) throw new NotInstalled(e);
            throw e;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!pong(port)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("redis-server did not start: " + Files.readString(dir.resolve("redis.log")));
            }
            Thread.sleep(10);
        }
        return new LocalRedis(port, p, dir);
    }

    private static String setpriv() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, "setpriv");
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    /** redis-server could not be started because it is not on the PATH. */
    public static final class NotInstalled extends IOException {
        NotInstalled(IOException cause) {
            super("redis-server is not installed (apt-get install -y redis-server)", cause);
        }
    }

    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A port for a server that a test or {@code baton up} starts on 127.0.0.1: free now, never
     * handed out before by this process, and taken from 20000–31999 — below the kernel's
     * ephemeral range, which a port picked by binding to 0 would come from, and where the
     * outgoing connections of everything else on the machine (another build's clients, beside this
     * one) could take it between this check and the server's own bind. Random, so two builds side
     * by side rarely try the same one.
     */
    public static int freePort() throws IOException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            if (HANDED_OUT.contains(port)) continue;
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            } catch (IOException taken) {
                continue;
            }
            if (HANDED_OUT.add(port)) return port;
        }
        throw new IOException("no free port between 20000 and 31999 on 127.0.0.1");
    }

    /** True when the server answers PING with PONG (not LOADING, not refused). */
    private static boolean pong(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64];
            int n = in.read(buf);
            String answer = n > 0 ? new String(buf, 0, n, StandardCharsets.US_ASCII) : "";
            return answer.startsWith("+PONG") || answer.startsWith("-NOAUTH");
        } catch (IOException notYet) {
            return false;
        }
    }

    /** The server's process (for {@code baton up} to watch). */
    public Process process() {
        return process;
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    /** {@code kill -9}: no shutdown, no final save. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
