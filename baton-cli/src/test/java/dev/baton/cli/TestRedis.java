package dev.baton.cli;

import dev.baton.redis.LocalRedis;
import org.junit.jupiter.api.Assumptions;

/** Starting a real redis-server for a test: skipped where none is installed, unless BATON_REQUIRE_SERVERS=1 makes that a failure. */
final class TestRedis {
    private TestRedis() {
    }

    interface Start {
        LocalRedis start() throws Exception;
    }

    static LocalRedis startOrSkip(Start start) throws Exception {
        try {
            return start.start();
        } catch (LocalRedis.NotInstalled e) {
            if ("1".equals(System.getenv("BATON_REQUIRE_SERVERS"))) throw e;
            Assumptions.abort("redis-server is not installed");
            throw new AssertionError("unreachable");
        }
    }
}
