package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.redis.LocalRedis;
import dev.baton.redis.RedisSharedState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code baton run --state redis://…}: the economy publishes its globals to a real Redis, which
 * is killed with {@code kill -9} mid-run and restarted on the same port; the run waits for it,
 * finishes with every invariant true, and Redis holds exactly the report's final globals.
 */
class RedisStateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRedisRestartMidRunLosesNothing(@TempDir Path dir) throws Exception {
        LocalRedis redis = TestRedis.startOrSkip(() -> LocalRedis.start(LocalRedis.freePort(), dir.resolve("redis"), true));
        int port = redis.port;
        Files.copy(Path.of("../examples/economy.baton"), dir.resolve("economy.baton"));
        Process run = ChildProcess.start(dir, "run", "economy.baton", "--state", "redis://127.0.0.1:" + port, "--report", "json",
                "--data-dir", "data");
        try (RedisSharedState reader = RedisSharedState.connect(redis.uri())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (reader.readState("economy").getOrDefault("@time", "0").equals("0") && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(Long.parseLong(reader.readState("economy").get("@time"))).as("the run publishes").isPositive();
        }
        assertThat(run.isAlive()).as("the run is still going when Redis dies").isTrue();
        redis.kill();
        Thread.sleep(1500);
        redis = LocalRedis.start(port, dir.resolve("redis"), true);
        try (LocalRedis restarted = redis; RedisSharedState reader = RedisSharedState.connect(restarted.uri())) {
            String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).as(out).isZero();
            JsonNode report = JSON.readTree(out);
            report.get("report").get("invariants").fields().forEachRemaining(e -> assertThat(e.getValue().asBoolean()).as(e.getKey()).isTrue());
            Map<String, String> state = reader.readState("economy");
            assertThat(state.get("@time")).isEqualTo(report.get("engineTimeMs").asText());
            report.get("globals").fields().forEachRemaining(e -> {
                try {
                    assertThat(JSON.readTree(state.get(e.getKey()))).as(e.getKey()).isEqualTo(e.getValue());
                } catch (java.io.IOException x) {
                    throw new AssertionError(x);
                }
            });
        } finally {
            run.destroyForcibly();
        }
    }
}
