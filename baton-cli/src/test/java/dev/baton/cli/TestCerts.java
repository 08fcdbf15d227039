package dev.baton.cli;

import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Self-signed certificates for TLS tests, made by the JDK's keytool (EC P-256, SAN 127.0.0.1 and
 * localhost, valid two days): {@code NAME.p12} (password {@link #PASS}), and on request
 * {@code NAME.pem} (the certificate) and {@code NAME.key} (its PKCS#8 key), as operators hold them.
 */
final class TestCerts {
    static final char[] PASS = "changeit".toCharArray();

    private TestCerts() {
    }

    static void keypair(Path dir, String name) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", name,
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", dir.resolve(name + ".p12").toString(), "-storetype", "PKCS12", "-storepass", new String(PASS))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    static KeyStore load(Path dir, String name) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(dir.resolve(name + ".p12").toFile())) {
            ks.load(in, PASS);
        }
        return ks;
    }

    static Path exportCert(Path dir, String name) throws Exception {
        byte[] der = load(dir, name).getCertificate(name).getEncoded();
        return pem(dir.resolve(name + ".pem"), "CERTIFICATE", der);
    }

    static Path exportKey(Path dir, String name) throws Exception {
        PrivateKey key = (PrivateKey) load(dir, name).getKey(name, PASS);
        return pem(dir.resolve(name + ".key"), "PRIVATE KEY", key.getEncoded()); // PKCS#8
    }

    private static Path pem(Path file, String type, byte[] der) throws Exception {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
        return file;
    }
}
