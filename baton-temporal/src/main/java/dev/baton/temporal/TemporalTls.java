package dev.baton.temporal;

import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

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
                try (InputStream c = open(cert, "--temporal-cert"); InputStream k = open(key, "--temporal-key")) {
                    ssl = SimpleSslContextBuilder.forPKCS8(c, k);
                    if (ca != null) ssl.setTrustManager(trustOnly(ca));
                    b.setSslContext(build(ssl));
                }
            } else {
                ssl = SimpleSslContextBuilder.noKeyOrCertChain();
                if (ca != null) ssl.setTrustManager(trustOnly(ca));
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

    private static InputStream open(Path file, String option) throws IOException {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : String.valueOf(e.getMessage());
            throw new IOException(option + " " + file + ": cannot read it (" + why + ")");
        }
    }

    /** A trust manager for exactly the certificates in a PEM file. */
    private static TrustManager trustOnly(Path pem) throws IOException {
        try (InputStream in = open(pem, "--temporal-ca")) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) throw new IOException("--temporal-ca " + pem + ": no certificate in it");
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : certs) store.setCertificateEntry("ca-" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf.getTrustManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IOException("--temporal-ca " + pem + ": not PEM certificates (" + e.getMessage() + ")");
        }
    }
}
