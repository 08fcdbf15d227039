package dev.baton.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /stream: a client that disconnects and resumes with Last-Event-ID sees every entry once, in order — across a restart too. */
class StreamTest {
    @TempDir
    Path dir;

    record Sse(long id, String event, String data) {
    }

    /** Reads entries from an SSE connection until {@code count} entries with an id have come (the rest: hello, state). */
    static List<Sse> read(Served s, String lastEventId, int count) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.base() + "/stream")).header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(120)).GET();
        if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
        HttpResponse<InputStream> r = s.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<Sse> out = new ArrayList<>();
        try (InputStream in = r.body(); BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            long id = -1;
            String event = "message";
            StringBuilder data = new StringBuilder();
            String line;
            while (out.size() < count && (line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    if (id >= 0) out.add(new Sse(id, event, data.toString()));
                    id = -1;
                    event = "message";
                    data.setLength(0);
                } else if (line.startsWith("id:")) {
                    id = Long.parseLong(line.substring(3).trim());
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                }
            }
        }
        return out;
    }

    static void deposit(Served s, int account, int amount) throws Exception {
        assertThat(s.postJson("/events/Bank.Deposit", "{\"account\": " + account + ", \"amount\": " + amount + "}").statusCode()).isEqualTo(202);
    }

    @Test
    void aResumedClientSeesEveryEntryOnceInOrderAcrossARestart() throws Exception {
        List<Sse> seen = new ArrayList<>();
        try (Served s = new Served(Served.resource("bank.baton"), dir, null)) {
            for (int i = 1; i <= 30; i++) deposit(s, i % 2, i);
            // a withdrawal that fails is a failure entry, in the same sequence
            assertThat(s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 100000}").statusCode()).isEqualTo(422);
            seen.addAll(read(s, null, 10));
            for (int i = 31; i <= 60; i++) deposit(s, i % 2, i);
            seen.addAll(read(s, String.valueOf(seen.get(seen.size() - 1).id()), 20));
        }
        try (Served s = new Served(Served.resource("bank.baton"), dir, null)) {
            for (int i = 61; i <= 70; i++) deposit(s, i % 2, i);
            seen.addAll(read(s, String.valueOf(seen.get(seen.size() - 1).id()), 71 - seen.size()));
        }
        assertThat(seen).hasSize(71);
        long last = 0;
        int amounts = 0;
        long failures = 0;
        long[] balance = new long[2];
        for (Sse e : seen) {
            assertThat(e.id()).as("ids grow: nothing twice, nothing out of order").isGreaterThan(last);
            last = e.id();
            Map<String, Object> body = Served.JSON.readValue(e.data(), Map.class);
            assertThat(((Number) body.get("id")).longValue()).isEqualTo(e.id());
            if (e.event().equals("failure")) {
                failures++;
                assertThat((String) body.get("message")).isEqualTo("insufficient funds");
                continue;
            }
            assertThat(e.event()).isEqualTo("emit");
            assertThat(body).containsEntry("event", "Bank.Deposited");
            Map<String, Object> p = Served.cast(body.get("payload"));
            int account = ((Number) p.get("account")).intValue();
            long now = ((Number) p.get("balance")).longValue();
            amounts++;
            assertThat(now).as("every deposit once, in order: each balance follows the one before").isGreaterThan(balance[account]);
            balance[account] = now;
        }
        assertThat(amounts).isEqualTo(70);
        assertThat(failures).isEqualTo(1);
        assertThat(balance[0] + balance[1]).isEqualTo(70 * 71 / 2);
    }

    @Test
    void theFirstMessageCarriesTheGlobalsAndStateChangesFollow() throws Exception {
        try (Served s = new Served(Served.resource("bank.baton"), dir, null)) {
            deposit(s, 0, 5);
            HttpRequest req = HttpRequest.newBuilder(URI.create(s.base() + "/stream")).header("Accept", "text/event-stream")
                    .timeout(Duration.ofSeconds(120)).GET().build();
            HttpResponse<InputStream> r = s.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                assertThat(lines.readLine()).isEqualTo("event: hello");
                String data = lines.readLine();
                assertThat(data).startsWith("data:").contains("\"deposited\":5");
                deposit(s, 1, 7);
                String line;
                boolean stateSeen = false;
                while (!stateSeen && (line = lines.readLine()) != null) {
                    if (line.equals("event: state")) {
                        String d = lines.readLine();
                        stateSeen = d.contains("\"deposited\":12");
                    }
                }
                assertThat(stateSeen).isTrue();
            }
        }
    }
}
