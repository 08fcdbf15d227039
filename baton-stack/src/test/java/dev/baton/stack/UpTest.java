package dev.baton.stack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code baton up} as a user runs it: a child process that starts real servers and stops them all on SIGTERM. */
class UpTest {
    private static boolean redisInstalled() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (java.nio.file.Files.isExecutable(Path.of(dir, "redis-server"))) return true;
        }
        if ("1".equals(System.getenv("BATON_REQUIRE_SERVERS"))) throw new AssertionError("redis-server is required (BATON_REQUIRE_SERVERS=1)");
        return false;
    }

    @Test
    void startsEveryServerOnItsPortAndStopsThemAllOnSigterm(@TempDir Path dir) throws Exception {
        boolean redis = redisInstalled();
        int redisPort = LocalKafka.freePort();
        int kafkaPort = LocalKafka.freePort();
        int temporalPort = LocalKafka.freePort();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.baton.stack.Up", "--dir", dir.toString(),
                "--redis-port", Integer.toString(redisPort), "--kafka-port", Integer.toString(kafkaPort),
                "--temporal-port", Integer.toString(temporalPort)));
        if (!redis) cmd.add("--no-redis");
        Process up = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
                if (line.startsWith("ready.")) break;
            }
            assertThat(out.toString()).as(out.toString()).contains("ready.").contains("kafka://127.0.0.1:" + kafkaPort)
                    .contains("127.0.0.1:" + temporalPort);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafkaPort))) {
                assertThat(admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)).hasSize(1);
            }
            assertThat(LocalTemporal.listening(temporalPort)).isTrue();
            if (redis) {
                try (var jedis = new redis.clients.jedis.Jedis("127.0.0.1", redisPort)) {
                    assertThat(jedis.ping()).isEqualTo("PONG");
                }
            }
            List<ProcessHandle> children = up.descendants().toList();
            assertThat(children).hasSize(redis ? 3 : 2);
            up.destroy(); // SIGTERM
            assertThat(up.waitFor(60, TimeUnit.SECONDS)).isTrue();
            for (ProcessHandle c : children) assertThat(c.isAlive()).as("server " + c.pid() + " stopped").isFalse();
            assertThat(LocalTemporal.listening(temporalPort)).isFalse();
            assertThat(LocalTemporal.listening(kafkaPort)).isFalse();
            if (redis) assertThat(LocalTemporal.listening(redisPort)).isFalse();
        } finally {
            up.destroyForcibly();
        }
    }

    private static Process up(Path dir, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.baton.stack.Up", "--dir", dir.toString()));
        cmd.addAll(List.of(more));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads lines until one starts with {@code prefix}; everything read so far. */
    private static String readUntil(BufferedReader r, String prefix) throws Exception {
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
            out.append(line).append('\n');
            if (line.startsWith(prefix)) return out.toString();
        }
        throw new AssertionError("no line starting with '" + prefix + "' in:\n" + out);
    }

    /** Waits (observed, bounded only against a hang) until every process in {@code ps} has exited. */
    private static void awaitGone(List<ProcessHandle> ps) throws Exception {
        for (ProcessHandle h : ps) {
            try {
                h.onExit().get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                h.destroyForcibly();
                throw new AssertionError("server " + h.pid() + " (" + h.info().command().orElse("?") + ") outlived baton up");
            }
        }
    }

    @Test
    void serversNeverOutliveAKilledUp(@TempDir Path dir) throws Exception {
        boolean redis = redisInstalled();
        List<String> args = new ArrayList<>(List.of("--redis-port", Integer.toString(LocalKafka.freePort()),
                "--kafka-port", Integer.toString(LocalKafka.freePort()), "--temporal-port", Integer.toString(LocalKafka.freePort())));
        if (!redis) args.add("--no-redis");
        Process up = up(dir, args.toArray(String[]::new));
        try (BufferedReader r = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
            readUntil(r, "ready.");
            List<ProcessHandle> servers = up.descendants().toList();
            assertThat(servers).hasSize(redis ? 3 : 2);
            up.destroyForcibly(); // kill -9: no shutdown hook of up's runs
            up.waitFor();
            awaitGone(servers);
        } finally {
            up.destroyForcibly();
        }
    }

    @Test
    void aSignalWhileAServerIsStartingStopsThatOneToo(@TempDir Path dir) throws Exception {
        Process up = up(dir, "--no-redis", "--kafka-port", Integer.toString(LocalKafka.freePort()),
                "--temporal-port", Integer.toString(LocalKafka.freePort()));
        try (BufferedReader r = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
            readUntil(r, "starting Kafka");
            // the broker's JVM is spawned but not yet serving
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (up.descendants().findAny().isEmpty()) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(5);
            }
            List<ProcessHandle> starting = up.descendants().toList();
            up.destroy(); // SIGTERM
            assertThat(up.waitFor(60, TimeUnit.SECONDS)).isTrue();
            awaitGone(starting);
        } finally {
            up.destroyForcibly();
        }
    }

    @Test
    void temporalListensOnLoopbackOnly(@TempDir Path dir) throws Exception {
        int port = LocalKafka.freePort();
        try (LocalTemporal t = LocalTemporal.start(port, dir)) {
            List<String> local = new ArrayList<>();
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                Path f = Path.of(table);
                if (!java.nio.file.Files.exists(f)) continue;
                for (String line : java.nio.file.Files.readAllLines(f)) {
                    String[] cols = line.trim().split("\\s+");
                    // local address HEX:PORT, state 0A = LISTEN
                    if (cols.length > 3 && cols[1].endsWith(String.format(":%04X", port)) && cols[3].equals("0A")) local.add(cols[1]);
                }
            }
            assertThat(local).as("listening sockets on port " + port).isNotEmpty()
                    .allMatch(a -> a.startsWith("0100007F:") || a.startsWith("0000000000000000FFFF00000100007F:") || a.startsWith("00000000000000000000000001000000:"));
        }
    }

    @Test
    void aTakenPortIsNamedAndNothingStarts(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Process up = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), "dev.baton.stack.Up", "--dir", dir.toString(), "--no-redis", "--no-kafka",
                    "--temporal-port", Integer.toString(taken.getLocalPort())).redirectErrorStream(true).start();
            String text = new String(up.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(up.exitValue()).isEqualTo(3);
            assertThat(text).contains("port " + taken.getLocalPort() + " is in use").doesNotContain("\tat ");
        }
    }
}
