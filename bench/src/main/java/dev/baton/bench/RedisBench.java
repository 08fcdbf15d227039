package dev.baton.bench;

import dev.baton.redis.LocalRedis;
import dev.baton.redis.RedisSharedState;
import dev.baton.runtime.SharedState.Delta;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Idempotent clamped delta applies per second on Redis (batches of 16 per Lua script call,
 * one round trip each, like a pipeline of 16) against {@code redis-benchmark -t incr -P 16} — a
 * bare INCR, no identity, no clamp, no version — on the same freshly started redis-server, in
 * the same run; after one unreported warm-up round of ours (the JIT), best of 3.
 */
public final class RedisBench {
    private RedisBench() {
    }

    public static void main(String[] args) throws Exception {
        int deltas = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int pipeline = 16;
        try (LocalRedis redis = LocalRedis.start()) {
            int port = redis.port;
            System.out.printf("Redis: %,d identified deltas, %d client threads, pipelines of %d (%s)%n%n", deltas, threads, pipeline, Bench.machine());
            double best = 0, bestIncr = 0;
            try (RedisSharedState store = RedisSharedState.connect(redis.uri())) {
                // one unreported round first: the JIT compiles the client (redis-benchmark is C, warm from the start)
                deltas(store, deltas, threads, pipeline, 0);
                for (int round = 1; round <= 3; round++) {
                    double incr = redisBenchmark(port, deltas, pipeline);
                    double ours = deltas(store, deltas, threads, pipeline, round);
                    best = Math.max(best, ours);
                    bestIncr = Math.max(bestIncr, incr);
                    System.out.printf("round %d: redis-benchmark INCR -P %d %,12.0f ops/s   Baton deltas %,12.0f applies/s   ratio %.0f%%%n",
                            round, pipeline, incr, ours, 100 * ours / incr);
                }
            }
            System.out.printf("%nbest: INCR %,.0f/s, identified clamped deltas %,.0f/s = %.0f%% of it (target >= 50%%)%n",
                    bestIncr, best, 100 * best / bestIncr);
        }
    }

    private static double deltas(RedisSharedState store, int total, int threads, int pipeline, int round) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        int per = total / threads;
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String source = "r" + round + "-shard-" + t;
            done.add(pool.submit(() -> {
                List<Delta> batch = new ArrayList<>(pipeline);
                for (int i = 1; i <= per; i++) {
                    batch.add(new Delta("boss-" + round, source, i, -1, 0, Long.MAX_VALUE));
                    if (batch.size() == pipeline) {
                        store.applyAll(batch);
                        batch.clear();
                    }
                }
                if (!batch.isEmpty()) store.applyAll(batch);
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
        double secs = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        return per * (double) threads / secs;
    }

    private static double redisBenchmark(int port, int n, int pipeline) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("redis-benchmark", "-p", Integer.toString(port), "-t", "incr", "-n", Integer.toString(n),
                "-P", Integer.toString(pipeline), "-q").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        // the last progress line carries the final figure: "INCR: 975609.75 requests per second, p50=..."
        Matcher m = Pattern.compile("INCR: ([0-9.]+) requests per second").matcher(out);
        double rps = -1;
        while (m.find()) rps = Double.parseDouble(m.group(1));
        if (rps < 0) throw new IOException("unexpected redis-benchmark output: " + out);
        return rps;
    }
}
