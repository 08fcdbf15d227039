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
