package dev.baton.stack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Kafka (KRaft: broker and controller in one process) on 127.0.0.1, run as
 * a child JVM from the broker jars on this JVM's class path — the same broker a user runs, not
 * a mock. Formats its log directory, starts, and is ready when an admin client sees the
 * cluster. {@link #kill()} is {@code kill -9}.
 */
public final class LocalKafka implements AutoCloseable {
    public final int port;
    public final Path dir;
    private final Process process;

    private LocalKafka(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    /** A throwaway broker on free ports, its data in a new temporary directory. */
    public static LocalKafka start() throws IOException, InterruptedException {
        return start(freePort(), freePort(), Files.createTempDirectory("baton-kafka"));
    }

    /**
     * A broker on {@code port} (clients) and {@code controllerPort} (its KRaft controller)
     * keeping its data in {@code dir}: formatted on first use, reused after (keep the controller
     * port the same for a directory: the quorum remembers it).
     */
    public static LocalKafka start(int port, int controllerPort, Path dir) throws IOException, InterruptedException {
        return start(port, controllerPort, dir, null, List.of());
    }

    /**
     * A throwaway broker that also listens on {@code saslPort} for SASL_PLAINTEXT clients
     * (mechanism PLAIN) who log in as one of {@code users} (name to password) — as a secured
     * cluster would want. {@link #port} stays a plain listener, for the broker itself and tests.
     */
    public static LocalKafka startWithSasl(int saslPort, Map<String, String> users) throws IOException, InterruptedException {
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
        users.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
        return start(freePort(), freePort(), Files.createTempDirectory("baton-kafka"), "SASL_PLAINTEXT://127.0.0.1:" + saslPort,
                List.of("sasl.enabled.mechanisms=PLAIN", "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + jaas + ";"));
    }

    /**
     * A throwaway broker that also listens on {@code sslPort} for TLS clients, presenting the key
     * and certificate in the PKCS#12 {@code keystore} (password {@code password}); {@link #port}
     * stays a plain listener.
     */
    public static LocalKafka startWithTls(int sslPort, Path keystore, String password) throws IOException, InterruptedException {
        return start(freePort(), freePort(), Files.createTempDirectory("baton-kafka"), "SSL://127.0.0.1:" + sslPort,
                List.of("ssl.keystore.location=" + keystore, "ssl.keystore.type=PKCS12", "ssl.keystore.password=" + password,
                        "ssl.key.password=" + password, "ssl.client.auth=none"));
    }

    private static LocalKafka start(int port, int controllerPort, Path dir, String extraListener, List<String> extraSettings)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int controller = controllerPort;
        String extra = extraListener == null ? "" : "," + extraListener;
        String props = String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller + extra,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + extra,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL",
                String.join("\n", extraSettings),
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "num.partitions=1",
                "auto.create.topics.enable=true", "");
        Path config = dir.resolve("server.properties");
        Files.writeString(config, props);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Path log = dir.resolve("kafka.log");
        // format once: a formatted directory keeps its cluster id (formatting it again with another id fails)
        if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) {
            Process format = new ProcessBuilder(java, "-Xmx256m", "-cp", cp, "kafka.tools.StorageTool", "format", "--standalone", "--ignore-formatted",
                    "--cluster-id=" + randomClusterId(), "-c", config.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IOException("formatting Kafka's log directory failed; see " + log + ":\n" + tail(log));
            }
        }
        // gone when this process is (see ChildMain)
        Process p = new ProcessBuilder(ChildMain.command(List.of("-Xmx512m"), "kafka.Kafka", config.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        LocalKafka k = new LocalKafka(port, dir, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!p.isAlive()) throw new IOException("Kafka exited while starting; see " + log + ":\n" + tail(log));
            try (Admin admin = k.admin()) {
                admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                return k;
            } catch (Exception notYet) {
                if (System.nanoTime() > deadline) {
                    k.close();
                    throw new IOException("Kafka did not come up in 60 s; see " + log + ":\n" + tail(log));
                }
                Thread.sleep(200);
            }
        }
    }

    private static String randomClusterId() {
        // a Kafka cluster id is 16 random bytes in URL-safe base64 without padding
        UUID u = UUID.randomUUID();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    /** A port for a server started here (see {@link dev.baton.redis.LocalRedis#freePort()}). */
    public static int freePort() throws IOException {
        return dev.baton.redis.LocalRedis.freePort();
    }

    /** The broker's process (for {@code baton up} to watch). */
    public Process process() {
        return process;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(), AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    /** Creates topics with {@code partitions} partitions each (replication 1). */
    public void createTopics(int partitions, String... names) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) topics.add(new NewTopic(n, partitions, (short) 1));
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** {@code kill -9}. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
