package dev.baton.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code baton serve --engine temporal} stopped with SIGTERM and started again in a new process,
 * three times: each stop hands the run over (its shutdown hooks run at the same time, and the one
 * that comes second must not cut the connection under the other's hand-over), so each new process
 * serves the same run at once, with every deposit answered before the stop in its state.
 */
class ServeOnTemporalRestartTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aServiceStoppedWithSigtermIsServedAgainByANewProcessWithItsState(@TempDir Path dir) throws Exception {
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"))) {
            String[] serve = {"serve", ServeKillTest.BANK.toString(), "--engine", "temporal", "--temporal", temporal.target(), "--port", "0",
                    "--data-dir", dir.resolve("d").toString()};
            for (int i = 1; i <= 3; i++) {
                Process p = ChildProcess.startMerged(dir, serve);
                List<String> lines = ChildProcess.lines(p);
                String base = started(p, lines);
                assertThat(balance(base)).as("start %d: the deposits answered before the stop", i).isEqualTo(10L * (i - 1));
                HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "/events/Bank.Deposit"))
                        .header("content-type", "application/json").header("Idempotency-Key", "dep-" + i)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"account\": 0, \"amount\": 10}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a bound for a hang only
                while (balance(base) != 10L * i && System.nanoTime() < deadline) Thread.sleep(20);
                assertThat(balance(base)).isEqualTo(10L * i);
                p.destroy(); // SIGTERM: the shutdown hooks hand the run over
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("stopped: %s", lines).isTrue();
            }
            Process p = ChildProcess.startMerged(dir, serve);
            String base = started(p, ChildProcess.lines(p));
            assertThat(balance(base)).isEqualTo(30L);
            p.destroy();
            p.waitFor(120, TimeUnit.SECONDS);
        }
    }

    private static String started(Process p, List<String> lines) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180); // a bound for a hang only
        while (true) {
            for (String l : List.copyOf(lines)) {
                Matcher m = ServeKillTest.AT.matcher(l);
                if (m.find()) return "http://127.0.0.1:" + m.group(1);
            }
            if (!p.isAlive()) throw new AssertionError("baton serve exited: " + lines);
            if (System.nanoTime() > deadline) throw new AssertionError("baton serve did not start: " + lines);
            Thread.sleep(5);
        }
    }

    private long balance(String base) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/modules/Account/0/Balance")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ((Number) JSON.readValue(r.body(), Map.class).get("value")).longValue();
    }
}
