package dev.baton.runtime;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;

/**
 * TLS material from PEM files, as operators keep it: certificate authorities to trust, a
 * client certificate chain and its unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}, RSA or EC).
 * Every problem is an {@link IOException} whose message starts with the option that named the
 * file (e.g. {@code --temporal-ca ca.pem: …}).
 */
public final class Pem {
    private Pem() {
    }

    /** A trust manager for exactly the certificates in {@code pem}. */
    public static TrustManager trustManager(Path pem, String option) throws IOException {
        try (InputStream in = open(pem, option)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) throw new IOException(option + " " + pem + ": no certificate in it");
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : certs) store.setCertificateEntry("ca-" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf.getTrustManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IOException(option + " " + pem + ": not PEM certificates (" + e.getMessage() + ")");
        }
    }

    /** A key manager presenting the certificate chain in {@code cert} with the key in {@code key}. */
    public static KeyManager keyManager(Path cert, String certOption, Path key, String keyOption) throws IOException {
        Certificate[] chain;
        try (InputStream in = open(cert, certOption)) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
        } catch (GeneralSecurityException e) {
            throw new IOException(certOption + " " + cert + ": not a PEM certificate (" + e.getMessage() + ")");
        }
        if (chain.length == 0) throw new IOException(certOption + " " + cert + ": no certificate in it");
        PrivateKey privateKey = privateKey(key, keyOption);
        try {
            char[] none = new char[0];
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setKeyEntry("client", privateKey, none, chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, none);
            return kmf.getKeyManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IOException(keyOption + " " + key + ": does not go with " + certOption + " " + cert + " (" + e.getMessage() + ")");
        }
    }

    /**
     * A TLS context trusting {@code ca} (null: the system's authorities) and presenting
     * {@code cert}/{@code key} when both are given.
     */
    public static SSLContext context(Path ca, String caOption, Path cert, String certOption, Path key, String keyOption) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(cert == null ? null : new KeyManager[] {keyManager(cert, certOption, key, keyOption)},
                    ca == null ? null : new TrustManager[] {trustManager(ca, caOption)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage());
        }
    }

    private static PrivateKey privateKey(Path key, String option) throws IOException {
        String text;
        try (InputStream in = open(key, option)) {
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            String hint = text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
                    ? " (it is PKCS#1/SEC1: convert it with 'openssl pkcs8 -topk8 -nocrypt')"
                    : text.contains("ENCRYPTED") ? " (it is encrypted: give an unencrypted key)" : "";
            throw new IOException(option + " " + key + ": not a PKCS#8 PEM private key" + hint);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
        } catch (IllegalArgumentException e) {
            throw new IOException(option + " " + key + ": its Base64 is damaged");
        }
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException tryNext) {
                // not this algorithm
            }
        }
        throw new IOException(option + " " + key + ": not an RSA, EC or Ed25519 key");
    }

    /** Opens a file named by an option; the message of a failure names both. */
    public static InputStream open(Path file, String option) throws IOException {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            String why = e instanceof NoSuchFileException ? "no such file"
                    : e instanceof AccessDeniedException ? "permission denied" : String.valueOf(e.getMessage());
            throw new IOException(option + " " + file + ": cannot read it (" + why + ")");
        }
    }
}
