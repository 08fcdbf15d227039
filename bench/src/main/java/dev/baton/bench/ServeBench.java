package dev.baton.bench;

import dev.baton.runtime.DataDir;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.plan.Plan;
import dev.baton.serve.HttpApi;
import dev.baton.serve.Metrics;
import dev.baton.serve.Service;
import dev.baton.serve.StreamLog;
import io.javalin.Javalin;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench/run serve}: durable events per second ingested over HTTP by {@code baton serve}
 * (every event journaled and synced before its 202), against a bare endpoint of the same HTTP
 * stack (Javalin, same JSON body) that answers 202 without the engine — both driven in the same
 * run by {@code wrk} (from the OS packages), with wrk's latency percentiles; then the round trip
 * of an {@code /execute} command, idle. (The latency at half the maximum rate needs a
 * rate-limited generator, which wrk is not: not measured yet.)
 *
 * <p>Options: {@code --seconds N} per wrk run (default 10), {@code --connections N} (default 32).
 */
public final class ServeBench {
    static final String PROGRAM = """
            version 1
            Event Bank.Deposit { account: Int [0..7], amount: Int [1..1000] }
            $deposited = 0
            Module Account [instances: 8] {
                $balance = 0
                ON (Bank.Deposit) [route: {account}] {
                    $balance += {amount}
                    $deposited += {amount}
                }
                Withdraw(amount: Int [1..]) /execute -> Int {
                    $balance -= amount min 0
                    return $balance
                }
            }
            """;
    static final String BODY = "{\"account\": 3, \"amount\": 10}";

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        int connections = 32;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--seconds")) seconds = Integer.parseInt(args[++i]);
            else if (args[i].equals("--connections")) connections = Integer.parseInt(args[++i]);
        }
        Path lua = Files.createTempFile("baton-wrk", ".lua");
        Files.writeString(lua, "wrk.method = \"POST\"\nwrk.body = '" + BODY + "'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n");
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        Javalin bare = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.host = "127.0.0.1";
            cfg.jetty.port = 0;
            cfg.routes.post("/events/{event}", ctx -> {
                byte[] body = ctx.bodyAsBytes();
                mapper.readTree(body); // parses the body as the served endpoint does
                ctx.status(202).contentType("application/json").result("{\"accepted\":1}");
            });
        }).start();
        Path dir = Files.createTempDirectory("baton-serve-bench");
        Plan plan = Bench.plan("bank.baton", PROGRAM);
        try (DataDir held = DataDir.lock(dir)) {
            Service[] s = new Service[1];
            Metrics metrics = new Metrics(() -> s[0] == null ? Map.of() : s[0].statsView());
            Service service = new Service(plan, EngineOptions.defaults().withDataDir(held).withRealClock(true), StreamLog.open(dir), metrics);
            s[0] = service;
            service.start();
            try (HttpApi api = new HttpApi(service, metrics, null, "127.0.0.1", 0).start()) {
                String bareUrl = "http://127.0.0.1:" + bare.port() + "/events/Bank.Deposit";
                String servedUrl = "http://127.0.0.1:" + api.port() + "/events/Bank.Deposit";
                wrk(bareUrl, lua, 2, connections, 2); // warm-up
                wrk(servedUrl, lua, 2, connections, 2);
                double[] b = wrk(bareUrl, lua, seconds, connections, 2);
                double[] v = wrk(servedUrl, lua, seconds, connections, 2);
                System.out.printf("machine: %d cores, %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"));
                System.out.printf("wrk -t2 -c%d -d%ds POST %s%n", connections, seconds, BODY);
                System.out.printf("  bare endpoint (same HTTP stack, no engine): %,10.0f req/s   p50 %6.2f ms  p99 %6.2f ms%n", b[0], b[1], b[2]);
                System.out.printf("  baton serve (journaled + synced first):     %,10.0f req/s   p50 %6.2f ms  p99 %6.2f ms%n", v[0], v[1], v[2]);
                System.out.printf("  ratio: %.0f%% of the bare endpoint's throughput (floor: 50%%)%n", 100 * v[0] / b[0]);
                HttpClient http = HttpClient.newBuilder().build();
                if (service.died() != null) throw new IllegalStateException("the engine died", service.died());
                Histogram exec = new Histogram(3);
                String execUrl = "http://127.0.0.1:" + api.port() + "/modules/Account/3/Withdraw";
                for (int i = 0; i < 3000; i++) {
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(execUrl)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": 1}")).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) throw new IllegalStateException(r.body());
                    if (i >= 500) exec.recordValue((System.nanoTime() - t0) / 1000);
                }
                System.out.printf("  /execute round trip, idle, one client (2,500 calls): p50 %.2f ms  p99 %.2f ms  (floor: p99 <= 5 ms)%n",
                        exec.getValueAtPercentile(50) / 1e3, exec.getValueAtPercentile(99) / 1e3);
            } finally {
                service.close();
                bare.stop();
            }
        }
    }

    /** Requests/s, p50 ms, p99 ms from a wrk run. */
    static double[] wrk(String url, Path lua, int seconds, int connections, int threads) throws Exception {
        Process p = new ProcessBuilder(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency", "-s", lua.toString(), url))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException("wrk failed (install it: apt-get install wrk):\n" + out);
        if (out.contains("Non-2xx")) throw new IllegalStateException("errors under load:\n" + out);
        return new double[] {number(out, "Requests/sec:\\s+([\\d.]+)"), ms(out, "50%"), ms(out, "99%")};
    }

    private static double number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        if (!m.find()) throw new IllegalStateException("no " + regex + " in:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    private static double ms(String out, String pct) {
        Matcher m = Pattern.compile(Pattern.quote(pct) + "\\s+([\\d.]+)(us|ms|s)").matcher(out);
        if (!m.find()) throw new IllegalStateException("no " + pct + " in:\n" + out);
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

}
