package dev.baton.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

import static dev.baton.cli.CliTest.run;
import static dev.baton.cli.TestCerts.PASS;
import static dev.baton.cli.TestCerts.exportCert;
import static dev.baton.cli.TestCerts.exportKey;
import static dev.baton.cli.TestCerts.keypair;
import static dev.baton.cli.TestCerts.load;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --temporal-ca}, {@code --temporal-cert}, {@code --temporal-key}: a run reaches Temporal
 * through a TLS endpoint that requires a client certificate (mutual TLS, ALPN h2, in front of the
 * test server — as a production cluster's frontend would be), with certificates made by the JDK's
 * keytool. Without the client certificate, or trusting the system's authorities instead of the
 * given one, the connection is refused with a message and exit 3; a certificate without its key is
 * a usage error.
 */
class TemporalTlsTest {
    @Test
    void aRunReachesTemporalOverMutualTls(@TempDir Path dir) throws Exception {
        keypair(dir, "server");
        keypair(dir, "client");
        Path serverPem = exportCert(dir, "server");
        Path clientPem = exportCert(dir, "client");
        Path clientKey = exportKey(dir, "client");
        Path program = dir.resolve("count.baton");
        Files.writeString(program, RedisTlsTest.PROGRAM);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             TlsProxy proxy = new TlsProxy(dir, temporal.port)) {
            String target = "127.0.0.1:" + proxy.port();
            CliTest.Run ok = run("run", program.toString(), "--engine", "temporal", "--temporal", target, "--report", "json",
                    "--temporal-ca", serverPem.toString(), "--temporal-cert", clientPem.toString(), "--temporal-key", clientKey.toString());
            assertThat(ok.code()).as(ok.err()).isZero();
            assertThat(new ObjectMapper().readTree(ok.out()).get("globals").get("total").asLong()).isEqualTo(99L * 100 / 2);
            assertThat(proxy.handshakes()).as("the run went through the TLS endpoint").isPositive();

            CliTest.Run noClientCert = run("run", program.toString(), "--engine", "temporal", "--temporal", target, "--fresh",
                    "--temporal-ca", serverPem.toString());
            assertThat(noClientCert.code()).isEqualTo(ExitCode.INPUT);
            assertThat(noClientCert.err()).contains("no Temporal frontend answered at " + target + " over TLS");

            CliTest.Run untrusted = run("run", program.toString(), "--engine", "temporal", "--temporal", target, "--fresh", "--temporal-tls",
                    "--temporal-cert", clientPem.toString(), "--temporal-key", clientKey.toString());
            assertThat(untrusted.code()).isEqualTo(ExitCode.INPUT);
            assertThat(untrusted.err()).contains("over TLS").containsIgnoringCase("certificat");

            CliTest.Run halfPair = run("run", program.toString(), "--engine", "temporal", "--temporal", target, "--temporal-cert", clientPem.toString());
            assertThat(halfPair.code()).isEqualTo(ExitCode.USAGE);
            assertThat(halfPair.err()).contains("a client certificate needs its key");

            CliTest.Run missing = run("run", program.toString(), "--engine", "temporal", "--temporal", target,
                    "--temporal-ca", dir.resolve("nope.pem").toString());
            assertThat(missing.code()).isEqualTo(ExitCode.INPUT);
            assertThat(missing.err()).contains("--temporal-ca " + dir.resolve("nope.pem") + ": cannot read it");
        }
    }

    /** A TLS endpoint (server certificate "server", client certificates "client" required, ALPN h2) forwarding to a plain port. */
    static final class TlsProxy implements AutoCloseable {
        private final SSLServerSocket server;
        private final java.util.concurrent.atomic.AtomicInteger handshakes = new java.util.concurrent.atomic.AtomicInteger();

        TlsProxy(Path dir, int backendPort) throws Exception {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load(dir, "server"), PASS);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("client", load(dir, "client").getCertificate("client"));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            SSLParameters params = server.getSSLParameters();
            params.setApplicationProtocols(new String[] {"h2"});
            params.setNeedClientAuth(true);
            server.setSSLParameters(params);
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        SSLSocket client = (SSLSocket) server.accept();
                        Thread t = new Thread(() -> serve(client, backendPort));
                        t.setDaemon(true);
                        t.start();
                    } catch (Exception closed) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
        }

        private void serve(SSLSocket client, int backendPort) {
            try (client; Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPort)) {
                client.startHandshake();
                handshakes.incrementAndGet();
                Thread up = pump(client.getInputStream(), backend.getOutputStream());
                pump(backend.getInputStream(), client.getOutputStream()).join();
                up.join();
            } catch (Exception e) {
                // a refused handshake, or a connection closed
            }
        }

        private static Thread pump(InputStream in, OutputStream out) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[16384];
                try {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (Exception closed) {
                    // one side closed
                }
                try {
                    out.close();
                } catch (Exception ignored) {
                    // already closed
                }
            });
            t.setDaemon(true);
            t.start();
            return t;
        }

        int port() {
            return server.getLocalPort();
        }

        int handshakes() {
            return handshakes.get();
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }
}
