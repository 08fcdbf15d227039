package dev.baton.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of {@code baton serve} at random moments while clients post events and commands
 * concurrently, each with an Idempotency-Key, resending whatever got no answer: every request
 * answered 202/200 (or with its declared failure) is applied exactly once, the totals are exact.
 */
class ServeKillTest {
    static final Path BANK = Path.of("../baton-serve/src/test/resources/bank.baton").toAbsolutePath();
    static final Pattern AT = Pattern.compile("at http://127\\.0\\.0\\.1:(\\d+)/");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    volatile String base;

    Process start(Path data, List<String> out) throws Exception {
        Process p = ChildProcess.startMerged(tmp, "serve", BANK.toString(), "--port", "0", "--data-dir", data.toString());
        List<String> lines = ChildProcess.lines(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a bound for a hang only
        while (true) {
            for (String l : lines) {
                Matcher m = AT.matcher(l);
                if (m.find()) {
                    out.addAll(lines);
                    base = "http://127.0.0.1:" + m.group(1);
                    return p;
                }
            }
            if (!p.isAlive()) throw new AssertionError("baton serve exited: " + lines);
            if (System.nanoTime() > deadline) throw new AssertionError("baton serve did not start: " + lines);
            Thread.sleep(5);
        }
    }

    @Test
    void everyAnsweredRequestIsAppliedExactlyOnceThroughKill9s() throws Exception {
        Path data = tmp.resolve("data");
        List<String> log = new ArrayList<>();
        Process p = start(data, log);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        int clients = 4;
        int opsPerClient = 150;
        AtomicInteger answered = new AtomicInteger();
        AtomicLong deposited = new AtomicLong();
        AtomicLong deposits = new AtomicLong();
        AtomicLong withdrawn = new AtomicLong();
        AtomicInteger retries = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                Random rnd = new Random(client);
                try {
                    for (int i = 0; i < opsPerClient; i++) {
                        boolean withdraw = rnd.nextInt(4) == 0;
                        int account = rnd.nextInt(2);
                        int amount = 1 + rnd.nextInt(withdraw ? 40 : 100);
                        String key = "c" + client + "-" + i;
                        String path = withdraw ? "/modules/Account/" + account + "/Withdraw" : "/events/Bank.Deposit";
                        String body = withdraw ? "{\"amount\": " + amount + "}" : "{\"account\": " + account + ", \"amount\": " + amount + "}";
                        while (true) {
                            HttpResponse<String> r;
                            try {
                                r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                                        .header("Content-Type", "application/json").header("Idempotency-Key", key)
                                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                            } catch (java.io.IOException down) {
                                retries.incrementAndGet();
                                Thread.sleep(5);
                                continue; // no answer: send it again, same key
                            }
                            int s = r.statusCode();
                            if (s == 409 || s == 503) {
                                retries.incrementAndGet();
                                Thread.sleep(5);
                                continue;
                            }
                            if (withdraw) {
                                assertThat(s).as(r.body()).isIn(200, 422);
                                if (s == 200) withdrawn.addAndGet(amount);
                                else assertThat(r.body()).contains("insufficient funds");
                            } else {
                                assertThat(s).as(r.body()).isEqualTo(202);
                                deposited.addAndGet(amount);
                                deposits.incrementAndGet();
                            }
                            answered.incrementAndGet();
                            break;
                        }
                    }
                } catch (Throwable e) {
                    failed.add(e);
                }
            }, "client-" + c);
            t.start();
            threads.add(t);
        }
        Random rnd = new Random(42);
        int kills = 0;
        while (kills < 3) {
            int before = answered.get();
            int step = 40 + rnd.nextInt(80);
            while (answered.get() < before + step && answered.get() < clients * opsPerClient && failed.isEmpty()) Thread.sleep(1);
            if (answered.get() >= clients * opsPerClient) break;
            ChildProcess.kill9(p);
            kills++;
            p = start(data, log);
        }
        for (Thread t : threads) t.join();
        assertThat(failed).isEmpty();
        assertThat(kills).as("the server was killed mid-traffic").isEqualTo(3);
        HttpResponse<String> state = http.send(HttpRequest.newBuilder(URI.create(base + "/state")).GET().build(), HttpResponse.BodyHandlers.ofString());
        Map<?, ?> globals = (Map<?, ?>) JSON.readValue(state.body(), Map.class).get("globals");
        long b0 = balance(http, 0);
        long b1 = balance(http, 1);
        p.destroy();
        p.waitFor();
        assertThat(((Number) globals.get("deposits")).longValue()).as("each answered deposit applied once").isEqualTo(deposits.get());
        assertThat(((Number) globals.get("deposited")).longValue()).isEqualTo(deposited.get());
        assertThat(b0 + b1).as("balances = deposits - the withdrawals answered 200").isEqualTo(deposited.get() - withdrawn.get());
        assertThat(retries.get()).as("some requests went unanswered and were resent").isGreaterThan(0);
    }

    private long balance(HttpClient http, int account) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/modules/Account/" + account + "/Balance")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return ((Number) JSON.readValue(r.body(), Map.class).get("value")).longValue();
    }
}
