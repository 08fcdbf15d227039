package dev.baton.bench;

import dev.baton.runtime.DataDir;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.plan.Plan;
import dev.baton.serve.HttpApi;
import dev.baton.serve.Service;
import dev.baton.serve.StreamLog;
import io.javalin.Javalin;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench/run serve}, in one run: durable events per second ingested over HTTP by {@code baton serve}
 * (every event journaled and synced before its 202) against a bare endpoint of the same HTTP stack
 * (Javalin, same JSON body) that answers 202 without the engine, driven by {@code wrk}; p50/p99 of both
 * at half the served maximum rate, driven by {@code h2load --rps}; the round trip of an {@code /execute}
 * command, idle, against {@code GET /healthz} of the same server; and starting a workflow against
 * Temporal's test server over gRPC. {@code wrk} and {@code h2load} come from the OS packages.
 *
 * <p>Options: {@code --seconds N} per load run (default 10), {@code --connections N} (default 32).
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
            Workflow Noop(n: Int) {
                return n
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
            Service service = new Service(plan, EngineOptions.defaults().withDataDir(held).withRealClock(true), StreamLog.open(dir));
            service.start();
            try (HttpApi api = new HttpApi(service, null, "127.0.0.1", 0).start()) {
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
                // latency at half the maximum rate: h2load (from the OS packages) sends at a fixed rate per connection
                int clients = 16;
                long rate = Math.max(clients, Math.round(v[0] / 2));
                Path body = Files.createTempFile("baton-h2load", ".json");
                Files.writeString(body, BODY);
                double[] bh = h2load(bareUrl, body, clients, rate, seconds);
                double[] vh = h2load(servedUrl, body, clients, rate, seconds);
                System.out.printf("h2load --h1 -c%d --rps %d (%,d req/s in all: half of baton serve's maximum above) -D %d POST the same body%n",
                        clients, rate / clients, rate / clients * clients, seconds);
                System.out.printf("  bare endpoint:  %,8.0f req/s   p50 %6.2f ms  p99 %6.2f ms%n", bh[0], bh[1], bh[2]);
                System.out.printf("  baton serve:    %,8.0f req/s   p50 %6.2f ms  p99 %6.2f ms  (floor: p99 <= 10 ms)%n", vh[0], vh[1], vh[2]);
                if (service.died() != null) throw new IllegalStateException("the engine died", service.died());
                // round trips on one kept-alive connection from a plain blocking client, idle: an /execute command
                // (journaled, run through the mailbox, synced, answered) against GET /healthz of the same server
                // (the same HTTP stack and client, no engine) as the baseline
                try (RawHttp raw = new RawHttp("127.0.0.1", api.port())) {
                    Histogram base = new Histogram(3);
                    Histogram exec = new Histogram(3);
                    for (int i = 0; i < 12_000; i++) {
                        long t0 = System.nanoTime();
                        int code = raw.send("GET", "/healthz", null);
                        long t1 = System.nanoTime();
                        int c2 = raw.send("POST", "/modules/Account/3/Withdraw", "{\"amount\": 1}");
                        long t2 = System.nanoTime();
                        if (code != 200 || c2 != 200) throw new IllegalStateException("answered " + code + ", " + c2);
                        if (i >= 2000) {
                            base.recordValue((t1 - t0) / 1000);
                            exec.recordValue((t2 - t1) / 1000);
                        }
                    }
                    System.out.printf("round trips, idle, one kept-alive connection (10,000 each, after 2,000 warm-up):%n");
                    System.out.printf("  GET /healthz (baseline: no engine)      p50 %5.2f ms  p99 %5.2f ms  p99.9 %5.2f ms%n",
                            base.getValueAtPercentile(50) / 1e3, base.getValueAtPercentile(99) / 1e3, base.getValueAtPercentile(99.9) / 1e3);
                    System.out.printf("  POST /execute (journaled + synced)      p50 %5.2f ms  p99 %5.2f ms  p99.9 %5.2f ms  (floor: p99 <= 5 ms)%n",
                            exec.getValueAtPercentile(50) / 1e3, exec.getValueAtPercentile(99) / 1e3, exec.getValueAtPercentile(99.9) / 1e3);
                }
                workflowStarts(api.port(), seconds, connections);
            } finally {
                service.close();
                bare.stop();
            }
        }
    }

    /**
     * Starting a workflow: {@code POST /workflows/Noop} on baton serve (journaled, synced, answered 201) against
     * Temporal's test server's StartWorkflowExecution over gRPC (a child JVM on loopback, as the tests run it), both
     * by {@code connections} concurrent clients for throughput and one client for latency, in the same run.
     */
    static void workflowStarts(int port, int seconds, int connections) throws Exception {
        Path lua = Files.createTempFile("baton-wrk-start", ".lua");
        Files.writeString(lua, "wrk.method = \"POST\"\nwrk.body = '{\"args\": {\"n\": 1}}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n");
        String url = "http://127.0.0.1:" + port + "/workflows/Noop";
        wrk(url, lua, 2, connections, 2);
        double[] served = wrk(url, lua, seconds, connections, 2);
        Histogram servedOne = new Histogram(3);
        try (RawHttp raw = new RawHttp("127.0.0.1", port)) {
            for (int i = 0; i < 3000; i++) {
                long t0 = System.nanoTime();
                int code = raw.send("POST", "/workflows/Noop", "{\"args\": {\"n\": " + i + "}}");
                if (code != 201) throw new IllegalStateException("start answered " + code);
                if (i >= 500) servedOne.recordValue((System.nanoTime() - t0) / 1000);
            }
        }
        double[] temporal;
        Histogram temporalOne = new Histogram(3);
        try (dev.baton.stack.LocalTemporal t = dev.baton.stack.LocalTemporal.start(dev.baton.stack.LocalKafka.freePort(),
                Files.createTempDirectory("bench-temporal"))) {
            io.temporal.serviceclient.WorkflowServiceStubs stubs = io.temporal.serviceclient.WorkflowServiceStubs.newServiceStubs(
                    io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder().setTarget(t.target()).build());
            io.temporal.client.WorkflowClient client = io.temporal.client.WorkflowClient.newInstance(stubs);
            java.util.concurrent.atomic.AtomicLong ids = new java.util.concurrent.atomic.AtomicLong();
            java.util.function.Supplier<Long> start = () -> {
                long t0 = System.nanoTime();
                client.newUntypedWorkflowStub("Noop", io.temporal.client.WorkflowOptions.newBuilder().setTaskQueue("bench-noop")
                        .setWorkflowId("noop-" + ids.incrementAndGet()).build()).start(1);
                return System.nanoTime() - t0;
            };
            for (int i = 0; i < 2000; i++) start.get(); // warm-up
            temporal = concurrently(connections, seconds, start);
            for (int i = 0; i < 3000; i++) {
                long ns = start.get();
                if (i >= 500) temporalOne.recordValue(ns / 1000);
            }
            stubs.shutdownNow();
        }
        System.out.printf("starting a workflow (%d concurrent clients for %d s; then one client, 2,500 starts):%n", connections, seconds);
        System.out.printf("  baton serve POST /workflows/Noop:          %,8.0f starts/s  p50 %6.2f ms  p99 %6.2f ms | one client p50 %5.2f ms  p99 %5.2f ms%n",
                served[0], served[1], served[2], servedOne.getValueAtPercentile(50) / 1e3, servedOne.getValueAtPercentile(99) / 1e3);
        System.out.printf("  Temporal test server, StartWorkflow (gRPC): %,8.0f starts/s  p50 %6.2f ms  p99 %6.2f ms | one client p50 %5.2f ms  p99 %5.2f ms%n",
                temporal[0], temporal[1], temporal[2], temporalOne.getValueAtPercentile(50) / 1e3, temporalOne.getValueAtPercentile(99) / 1e3);
        System.out.printf("  ratio baton serve / Temporal: %.1fx the starts per second, one-client p50 %.2fx%n", served[0] / temporal[0],
                servedOne.getValueAtPercentile(50) / (double) temporalOne.getValueAtPercentile(50));
    }

    /** Runs {@code call} (returns its latency in ns) from {@code threads} threads for {@code seconds}: {calls/s, p50 ms, p99 ms}. */
    static double[] concurrently(int threads, int seconds, java.util.function.Supplier<Long> call) throws Exception {
        Histogram all = new Histogram(3);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> ts = new java.util.ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                Histogram h = new Histogram(3);
                while (System.nanoTime() < end) {
                    h.recordValue(call.get() / 1000);
                    count.incrementAndGet();
                }
                synchronized (all) {
                    all.add(h);
                }
            });
            t.start();
            ts.add(t);
        }
        for (Thread t : ts) t.join();
        double secs = (System.nanoTime() - t0) / 1e9;
        return new double[] {count.get() / secs, all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3};
    }

    /** Requests/s, p50 ms, p99 ms from an h2load run at a fixed rate (percentiles from its per-request log). */
    static double[] h2load(String url, Path body, int clients, long rate, int seconds) throws Exception {
        Path log = Files.createTempFile("baton-h2load", ".log");
        Process p = new ProcessBuilder(List.of("h2load", "--h1", "-c", String.valueOf(clients), "--rps", String.valueOf(Math.max(1, rate / clients)),
                "-D", String.valueOf(seconds), "-d", body.toString(), "-H", "Content-Type: application/json", "--log-file", log.toString(), url))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException("h2load failed (install it: apt-get install nghttp2-client):\n" + out);
        Histogram h = new Histogram(3);
        long n = 0;
        for (String line : Files.readAllLines(log)) {
            String[] f = line.split("\t");
            if (f.length < 3) continue;
            if (!f[1].startsWith("2")) throw new IllegalStateException("answered " + f[1] + " under load:\n" + out);
            h.recordValue(Long.parseLong(f[2].trim()));
            n++;
        }
        if (n == 0) throw new IllegalStateException("h2load logged no request:\n" + out);
        return new double[] {n / (double) seconds, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3};
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
