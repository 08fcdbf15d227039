package dev.baton.serve;

import dev.baton.lang.Baton;
import dev.baton.runtime.DataDir;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real browser — the system's headless Chromium, driven by Playwright ({@code src/test/browser/pages.mjs})
 * — loads the console and the portal of the world boss served live, buys a pass through the form,
 * sees the outcome, and watches the health bar move smoothly while the boss takes damage.
 * Screenshots go to {@code target/browser/}. Needs {@code /usr/bin/chromium} and {@code npm install}
 * in src/test/browser ({@code .ci/run} does both); without them the test is skipped, or fails when
 * {@code BATON_REQUIRE_SERVERS=1}.
 */
class BrowserTest {
    @TempDir
    Path dir;

    @Test
    void theConsoleThePortalAndTheBossBarWorkInChromium() throws Exception {
        Path script = Path.of("src/test/browser/pages.mjs").toAbsolutePath();
        boolean ready = Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isDirectory(script.getParent().resolve("node_modules/playwright-core"));
        if (!ready && "1".equals(System.getenv("BATON_REQUIRE_SERVERS"))) {
            throw new AssertionError("the browser test needs /usr/bin/chromium and npm install in " + script.getParent());
        }
        Assumptions.assumeTrue(ready, "no Chromium or playwright-core here");
        Plan plan = Compiler.compile(Baton.check("world-boss.baton", Files.readString(Path.of("../examples/world-boss.baton"))),
                Map.of("players", "2000", "shards", "8", "attack_rate", "20000"));
        Path out = Path.of("target/browser").toAbsolutePath();
        Files.createDirectories(out);
        try (DataDir held = DataDir.lock(dir)) {
            Service service = new Service(plan, EngineOptions.defaults().withDataDir(held).withRealClock(true), StreamLog.open(dir));
            service.start();
            try (HttpApi api = new HttpApi(service, null, "127.0.0.1", 0).start()) {
                Process node = new ProcessBuilder(List.of("node", script.toString(), "http://127.0.0.1:" + api.port(), out.toString()))
                        .redirectErrorStream(true).start();
                String output = new String(node.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(node.waitFor(600, TimeUnit.SECONDS)).isTrue();
                assertThat(node.exitValue()).as(output).isZero();
                assertThat(output).contains("portal: ").contains("a hit showed at once");
                for (String shot : List.of("console.png", "portal.png", "boss.png")) assertThat(Files.size(out.resolve(shot))).isGreaterThan(10_000);
            } finally {
                service.close();
            }
        }
    }
}
