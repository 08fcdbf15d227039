package dev.baton.redis;

import dev.baton.runtime.Pem;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Where a Redis is and how to reach it, as the command line takes it:
 * {@code redis://[[USER]:PASSWORD@]HOST[:PORT]} in the clear, {@code rediss://…} over TLS, with
 * options {@code ?ca=FILE} (PEM authorities to trust instead of the system's) and
 * {@code &cert=FILE&key=FILE} (a client certificate and its PKCS#8 key, for servers that require
 * one) — the names libpq-style URLs use. A password left out of the address is taken from
 * {@value #PASSWORD_ENV} when set, so it need not appear in a process list.
 */
public record RedisAddress(String host, int port, String user, String password, boolean tls, Path ca, Path cert, Path key) {
    public static final String PASSWORD_ENV = "BATON_REDIS_PASSWORD";
    private static final Set<String> OPTIONS = Set.of("ca", "cert", "key");
    static final int DEFAULT_PORT = 6379;

    public RedisAddress {
        if ((cert == null) != (key == null)) throw new IllegalArgumentException("a client certificate (cert=) needs its key (key=), and a key its certificate");
        if (!tls && (ca != null || cert != null)) throw new IllegalArgumentException("ca=, cert= and key= are TLS options: use rediss://");
    }

    /** A plain address on 127.0.0.1-style hosts, no credentials (tests, the local stack). */
    public static RedisAddress plain(String host, int port) {
        return new RedisAddress(host, port, null, null, false, null, null, null);
    }

    /**
     * Parses {@code text}; {@code envPassword} (the value of {@value #PASSWORD_ENV}, or null) is used
     * when the address carries no password. The exception's message names what is wrong.
     */
    public static RedisAddress parse(String text, String envPassword) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + redact(text) + "' is not redis://HOST:PORT (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new IllegalArgumentException("'" + redact(text) + "' is not redis://HOST:PORT or rediss://HOST:PORT");
        }
        if (uri.getHost() == null) throw new IllegalArgumentException("'" + redact(text) + "' names no host (redis://HOST:PORT)");
        if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
            throw new IllegalArgumentException("'" + redact(text) + "': a database number is not supported (Baton keeps its keys under baton:)");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
            if (user.isEmpty()) user = null;
            if (password != null && password.isEmpty()) password = null;
        }
        if (password == null && envPassword != null && !envPassword.isEmpty()) password = envPassword;
        if (user != null && password == null) {
            throw new IllegalArgumentException("'" + redact(text) + "' names user '" + user + "' but no password (USER:PASSWORD@, or $" + PASSWORD_ENV + ")");
        }
        Map<String, String> opts = new LinkedHashMap<>();
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            for (String kv : uri.getRawQuery().split("&")) {
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                if (!OPTIONS.contains(k)) throw new IllegalArgumentException("unknown option '" + k + "' in " + redact(text) + " (known: ca, cert, key)");
                String v = eq < 0 ? "" : decode(kv.substring(eq + 1));
                if (v.isEmpty()) throw new IllegalArgumentException("option '" + k + "' in " + redact(text) + " needs a file");
                opts.put(k, v);
            }
        }
        return new RedisAddress(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), user, password, "rediss".equals(scheme),
                path(opts.get("ca")), path(opts.get("cert")), path(opts.get("key")));
    }

    /** The client settings: credentials, TLS with the given files, and connect/read timeouts of {@code timeoutMs}. */
    public JedisClientConfig clientConfig(int timeoutMs) throws IOException {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder().timeoutMillis(timeoutMs);
        if (user != null) b.user(user);
        if (password != null) b.password(password);
        if (tls) {
            b.ssl(true);
            if (ca != null || cert != null) b.sslSocketFactory(Pem.context(ca, "ca=", cert, "cert=", key, "key=").getSocketFactory());
        }
        return b.build();
    }

    /** {@code HOST:PORT}, with " over TLS" when it is: for messages (never the password). */
    public String describe() {
        return host + ":" + port + (tls ? " over TLS" : "");
    }

    @Override
    public String toString() {
        return (tls ? "rediss://" : "redis://") + (user != null || password != null ? (user == null ? "" : user) + (password == null ? "" : ":***") + "@" : "")
                + host + ":" + port;
    }

    /** The address with any password replaced by {@code ***}, for messages. */
    static String redact(String text) {
        return text.replaceAll("(://[^/@:]*:)[^/@]*@", "$1***@");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static Path path(String s) {
        return s == null ? null : Path.of(s);
    }
}
