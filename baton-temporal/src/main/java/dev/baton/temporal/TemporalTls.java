package dev.baton.temporal;

import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * How to reach a Temporal frontend that wants TLS (a production cluster, Temporal Cloud):
 * server TLS trusting the system's certificate authorities or {@code ca}, mutual TLS with a
 * client certificate ({@code cert} and its PKCS#8 {@code key}, both PEM), and an API key sent
 * as a bearer token. {@link #NONE} is plain gRPC (a local test server).
 */
public record TemporalTls(boolean enabled, Path ca, Path cert, Path key, String apiKey) {
    public static final TemporalTls NONE = new TemporalTls(false, null, null, null, null);

    public TemporalTls {
        if ((cert == null) != (key == null)) throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
        if (ca != null || cert != null) enabled = true;
        if (apiKey != null && apiKey.isBlank()) apiKey = null;
    }

    /** Adds TLS and the API key to a connection's options; an unreadable or malformed file is an IOException naming it. */
    WorkflowServiceStubsOptions.Builder apply(WorkflowServiceStubsOptions.Builder b) throws IOException {
        if (enabled) {
            SimpleSslContextBuilder ssl;
            if (cert != null) {
                try (InputStream c = dev.baton.runtime.Pem.open(cert, "--temporal-cert"); InputStream k = dev.baton.runtime.Pem.open(key, "--temporal-key")) {
                    ssl = SimpleSslContextBuilder.forPKCS8(c, k);
                    if (ca != null) ssl.setTrustManager(dev.baton.runtime.Pem.trustManager(ca, "--temporal-ca"));
                    b.setSslContext(build(ssl));
                }
            } else {
                ssl = SimpleSslContextBuilder.noKeyOrCertChain();
                if (ca != null) ssl.setTrustManager(dev.baton.runtime.Pem.trustManager(ca, "--temporal-ca"));
                b.setSslContext(build(ssl));
            }
        }
        if (apiKey != null) {
            String k = apiKey;
            b.addApiKey(() -> k);
        }
        return b;
    }

    private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext build(SimpleSslContextBuilder ssl) throws IOException {
        try {
            return ssl.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IOException("cannot use the TLS files: " + e.getMessage());
        }
    }
}
