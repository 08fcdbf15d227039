package dev.baton.stack;

import dev.baton.redis.LocalRedis;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./baton up}: a local Redis, Kafka (KRaft) and Temporal (test server) on their usual
 * ports of 127.0.0.1, each its own process, stopped together on Ctrl-C or SIGTERM (the JVM then
 * exits with the signal's usual code, 130 or 143) — also one still starting — and never
 * outliving {@code up}: each watches it and stops when it is gone, even after {@code kill -9}. Exit codes otherwise: 1 a server died while running,
 * 2 usage, 3 a server could not start (port taken, redis-server missing…).
 */
@Command(name = "up", sortOptions = false,
        description = {"Start a local Redis, Kafka (KRaft broker from the project's jars) and Temporal (its Java test server)",
                "on 127.0.0.1, and stop them all on Ctrl-C or SIGTERM. Point runs at them with",
                "  ./baton run FILE --events kafka://127.0.0.1:9092",
                "Production clusters instead: docs/operations.md."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"1:a server died while running (the others are stopped)", "2:usage error",
                "3:a server could not start (port in use, redis-server missing…)", "130/143:stopped by Ctrl-C / SIGTERM"})
public final class Up implements Callable<Integer> {
    @Option(names = "--redis-port", defaultValue = "6379", description = "Redis port (default: ${DEFAULT-VALUE}).")
    int redisPort;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka client port (default: ${DEFAULT-VALUE}); its controller takes the next port.")
    int kafkaPort;

    @Option(names = "--temporal-port", defaultValue = "7233", description = "Temporal gRPC port (default: ${DEFAULT-VALUE}).")
    int temporalPort;

    @Option(names = "--dir", defaultValue = ".baton/stack", description = "Where Redis and Kafka keep data and every server its log (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--no-redis", description = "Do not start Redis.")
    boolean noRedis;

    @Option(names = "--no-kafka", description = "Do not start Kafka.")
    boolean noKafka;

    @Option(names = "--no-temporal", description = "Do not start Temporal.")
    boolean noTemporal;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();
    private final List<Process> watched = new ArrayList<>();

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Up());
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("baton up: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try './baton up --help'.");
            return 2;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (int[] p : new int[][] {{noRedis ? 0 : redisPort}, {noKafka ? 0 : kafkaPort}, {noKafka ? 0 : kafkaPort + 1}, {noTemporal ? 0 : temporalPort}}) {
            if (p[0] != 0 && !free(p[0])) {
                err.println("baton up: port " + p[0] + " is in use (is a server already running?); choose another with --redis-port, --kafka-port or --temporal-port, or leave one out with --no-redis, --no-kafka, --no-temporal");
                return 3;
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            stopAll();
        }, "baton-up-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (!noRedis) {
                out.println("starting redis-server on 127.0.0.1:" + redisPort + " …");
                out.flush();
                LocalRedis r = LocalRedis.start(redisPort, dir.resolve("redis").toAbsolutePath(), true, List.of(), true);
                keep(r, r.process(), "redis", r.uri().toString(), dir.resolve("redis"));
            }
            if (!noKafka) {
                out.println("starting Kafka (KRaft) on 127.0.0.1:" + kafkaPort + " …");
                out.flush();
                LocalKafka k = LocalKafka.start(kafkaPort, kafkaPort + 1, dir.resolve("kafka").toAbsolutePath());
                keep(k, k.process(), "kafka", "kafka://" + k.bootstrap(), dir.resolve("kafka"));
            }
            if (!noTemporal) {
                out.println("starting Temporal's test server on 127.0.0.1:" + temporalPort + " …");
                out.flush();
                LocalTemporal t = LocalTemporal.start(temporalPort, dir.resolve("temporal").toAbsolutePath());
                keep(t, t.process(), "temporal", t.target(), dir.resolve("temporal"));
            }
        } catch (LocalRedis.NotInstalled e) {
            err.println("baton up: " + e.getMessage() + "; or leave Redis out with --no-redis");
            return 3;
        } catch (IOException e) {
            err.println("baton up: " + e.getMessage());
            return 3;
        }
        out.println();
        out.printf("%-9s %-28s %-8s %s%n", "server", "address", "pid", "data and log");
        for (String[] r : rows) out.printf("%-9s %-28s %-8s %s%n", (Object[]) r);
        out.println();
        out.println("ready. Ctrl-C stops them all.");
        out.flush();
        while (stop.getCount() > 0) {
            for (int i = 0; i < watched.size(); i++) {
                if (!watched.get(i).isAlive() && stop.getCount() > 0) {
                    err.println("baton up: " + rows.get(i)[0] + " exited (code " + watched.get(i).exitValue() + "); see its log in " + rows.get(i)[3]
                            + "; stopping the others");
                    return 1;
                }
            }
            Thread.sleep(500);
        }
        return 0;
    }

    private void keep(AutoCloseable server, Process p, String name, String address, Path data) {
        started.add(server);
        watched.add(p);
        rows.add(new String[] {name, address, Long.toString(p.pid()), data.toString()});
    }

    private synchronized void stopAll() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception ignored) {
                // stopping the rest matters more
            }
        }
        started.clear();
        // and whatever was still starting when the signal came (not yet in the list above)
        List<ProcessHandle> rest = ProcessHandle.current().descendants().toList();
        rest.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : rest) {
            try {
                h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception stuck) {
                h.destroyForcibly();
            }
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
