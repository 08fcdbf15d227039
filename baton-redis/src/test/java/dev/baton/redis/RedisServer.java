package dev.baton.redis;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Starts {@link LocalRedis} for a test; where redis-server is missing, skips the test — except in CI. */
final class RedisServer {
    private RedisServer() {
    }

    static LocalRedis start() throws IOException, InterruptedException {
        return start(LocalRedis.freePort(), Files.createTempDirectory("baton-redis"), false);
    }

    static LocalRedis start(int port, Path dir, boolean durable) throws IOException, InterruptedException {
        try {
            return LocalRedis.start(port, dir, durable);
        } catch (LocalRedis.NotInstalled e) {
            // on a developer's machine without Redis the Redis tests are skipped, loudly; CI
            // (BATON_REQUIRE_SERVERS=1) fails instead, so they can never silently not run there
            if (!"1".equals(System.getenv("BATON_REQUIRE_SERVERS"))) Assumptions.abort(e.getMessage() + "; .ci/run installs it");
            throw e;
        }
    }
}
