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
 * </table>
 *
 * @param bootstrap  the {@code bootstrap.servers} list
 * @param prefix     the topic prefix
 * @param group      the consumer group, or null for the default
 * @param idleStop   null, or how long to wait at the end of every partition before stopping
 */
public record KafkaAddress(String bootstrap, String prefix, String group, Duration idleStop) {
    private static final Set<String> OPTIONS = Set.of("prefix", "group", "stop-when-idle");

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
                if (!OPTIONS.contains(k)) throw new IllegalArgumentException("unknown option '" + k + "' in " + text + " (known: prefix, group, stop-when-idle)");
                opts.put(k, eq < 0 ? "" : kv.substring(eq + 1));
            }
        }
        Duration idle = null;
        if (opts.containsKey("stop-when-idle")) idle = dev.baton.runtime.value.Values.parseDuration(opts.get("stop-when-idle"));
        String prefix = opts.getOrDefault("prefix", "");
        if (!prefix.matches("[A-Za-z0-9._-]*")) throw new IllegalArgumentException("topic prefix '" + prefix + "' may use only letters, digits, '.', '_' and '-'");
        return new KafkaAddress(rest, prefix, opts.get("group"), idle);
    }

    /**
     * Fails with a message naming the address unless a broker answers within {@code timeout}:
     * the clients themselves would retry quietly for ever.
     */
    public void checkReachable(Duration timeout) throws java.io.IOException {
        java.util.Map<String, Object> conf = java.util.Map.of(
                org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(conf)) {
            admin.describeCluster().clusterId().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            throw new java.io.IOException("no Kafka broker answered at " + bootstrap + " within " + timeout.toSeconds() + " s");
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
