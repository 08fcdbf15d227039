package dev.baton.kafka;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code kafka://HOST:PORT[,HOST:PORT…][?option=value&…]} as the command line takes it.
 *
 * <table>
 *   <caption>options</caption>
 *   <tr><td>{@code prefix}</td><td>topic name prefix; the topic of event {@code E} is {@code prefix + E} (default none: {@code Player.AttackBoss})</td></tr>
 *   <tr><td>{@code group}</td><td>consumer group, for lag monitoring only (default {@code baton-<program>})</td></tr>
 *   <tr><td>{@code stop-when-idle}</td><td>for batch runs: stop reading once every partition is read to its end and nothing new came for this long (e.g. {@code 2s})</td></tr>
 *   <tr><td>{@code config}</td><td>a Kafka client properties file (as {@code kafka-console-consumer --consumer.config} takes): {@code security.protocol},
 *   {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location}… — every client setting except those Baton
 *   sets itself for exactly-once delivery (see {@link #MANAGED}); a misspelt setting is an error, not a silent default</td></tr>
 * </table>
 *
 * @param bootstrap  the {@code bootstrap.servers} list
 * @param prefix     the topic prefix
 * @param group      the consumer group, or null for the default
 * @param idleStop   null, or how long to wait at the end of every partition before stopping
 * @param settings   client settings from the {@code config} file (empty without one)
 */
public record KafkaAddress(String bootstrap, String prefix, String group, Duration idleStop, Map<String, String> settings) {
    private static final Set<String> OPTIONS = Set.of("prefix", "group", "stop-when-idle", "config");
    /** Settings Baton chooses itself: its delivery guarantees depend on them. */
    public static final Set<String> MANAGED = Set.of("bootstrap.servers", "key.serializer", "value.serializer", "key.deserializer",
            "value.deserializer", "enable.idempotence", "acks", "enable.auto.commit", "isolation.level", "group.id", "auto.offset.reset",
            "allow.auto.create.topics", "transactional.id");

    public KafkaAddress {
        settings = Map.copyOf(settings);
    }

    /** Parses the address; the message of the exception names what is wrong. */
    public static KafkaAddress parse(String text) {
        if (!text.startsWith("kafka://")) throw new IllegalArgumentException("'" + text + "' is not a kafka:// address (kafka://HOST:PORT)");
        String rest = text.substring("kafka://".length());
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        if (rest.endsWith("/")) rest = rest.substring(0, rest.length() - 1);
        if (rest.isEmpty()) throw new IllegalArgumentException("'" + text + "' names no broker (kafka://HOST:PORT)");
        for (String hostPort : rest.split(",")) {
            try {
                URI u = new URI("kafka://" + hostPort);
                if (u.getHost() == null || u.getPort() < 1) throw new URISyntaxException(hostPort, "needs HOST:PORT");
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("'" + hostPort + "' in " + text + " is not HOST:PORT");
            }
        }
        Map<String, String> opts = new LinkedHashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String kv : query.split("&")) {
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                if (!OPTIONS.contains(k)) throw new IllegalArgumentException("unknown option '" + k + "' in " + text + " (known: prefix, group, stop-when-idle, config)");
                opts.put(k, eq < 0 ? "" : kv.substring(eq + 1));
            }
        }
        Duration idle = null;
        if (opts.containsKey("stop-when-idle")) idle = dev.baton.runtime.value.Values.parseDuration(opts.get("stop-when-idle"));
        String prefix = opts.getOrDefault("prefix", "");
        if (!prefix.matches("[A-Za-z0-9._-]*")) throw new IllegalArgumentException("topic prefix '" + prefix + "' may use only letters, digits, '.', '_' and '-'");
        Map<String, String> settings = opts.containsKey("config") ? readSettings(java.nio.file.Path.of(opts.get("config"))) : Map.of();
        return new KafkaAddress(rest, prefix, opts.get("group"), idle, settings);
    }

    /** Reads and checks a client properties file; the message of a failure names the file and the line. */
    static Map<String, String> readSettings(java.nio.file.Path file) {
        java.util.List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file" : String.valueOf(e.getMessage());
            throw new IllegalArgumentException("config=" + file + ": cannot read it (" + why + ")");
        }
        java.util.Properties props = new java.util.Properties();
        try {
            props.load(new java.io.StringReader(String.join("\n", lines)));
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("config=" + file + ": not a properties file (" + e.getMessage() + ")");
        }
        Set<String> known = new java.util.HashSet<>();
        known.addAll(org.apache.kafka.clients.consumer.ConsumerConfig.configNames());
        known.addAll(org.apache.kafka.clients.producer.ProducerConfig.configNames());
        known.addAll(org.apache.kafka.clients.admin.AdminClientConfig.configNames());
        Map<String, String> out = new java.util.TreeMap<>();
        for (String key : props.stringPropertyNames()) {
            String where = "config=" + file + " line " + lineOf(lines, key) + ": ";
            if (MANAGED.contains(key)) throw new IllegalArgumentException(where + key + " is set by Baton (its delivery guarantees depend on it); remove it");
            if (!known.contains(key)) throw new IllegalArgumentException(where + "'" + key + "' is not a Kafka client setting");
            out.put(key, props.getProperty(key));
        }
        return out;
    }

    private static int lineOf(java.util.List<String> lines, String key) {
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.startsWith(key) && l.substring(key.length()).stripLeading().matches("^[=:].*|^$")) return i + 1;
        }
        return 0;
    }

    /** The settings every client of this address starts from: the config file's, then the bootstrap list. */
    public java.util.Properties clientProperties() {
        java.util.Properties p = new java.util.Properties();
        p.putAll(settings);
        p.put("bootstrap.servers", bootstrap);
        return p;
    }

    /**
     * Fails with a message naming the address unless a broker answers within {@code timeout}:
     * the clients themselves would retry quietly for ever.
     */
    public void checkReachable(Duration timeout) throws java.io.IOException {
        java.util.Properties conf = clientProperties();
        conf.put(org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        conf.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(conf)) {
            admin.describeCluster().clusterId().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            if (cause instanceof org.apache.kafka.common.errors.SaslAuthenticationException) {
                throw new java.io.IOException("Kafka at " + bootstrap + " refused the credentials (" + cause.getMessage() + ")");
            }
            if (cause instanceof org.apache.kafka.common.errors.SslAuthenticationException) {
                throw new java.io.IOException("the TLS handshake with Kafka at " + bootstrap + " failed: check the ssl.* settings of config=");
            }
            if (cause instanceof org.apache.kafka.common.KafkaException && !(cause instanceof org.apache.kafka.common.errors.TimeoutException)) {
                throw new java.io.IOException("cannot connect to Kafka at " + bootstrap + ": " + cause.getMessage()
                        + (cause.getCause() != null ? " (" + cause.getCause().getMessage() + ")" : ""));
            }
            throw new java.io.IOException("no Kafka broker answered at " + bootstrap + " within " + timeout.toSeconds() + " s"
                    + (settings.isEmpty() ? " (if it wants TLS or SASL, give its client settings with ?config=FILE)" : ""));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.IOException("interrupted while reaching Kafka at " + bootstrap);
        }
    }

    /** The topic that carries event {@code event}. */
    public String topic(String event) {
        return prefix + event;
    }
}
