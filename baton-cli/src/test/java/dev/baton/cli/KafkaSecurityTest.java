package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.baton.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kafka://HOST:PORT?config=client.properties}: a run reads its events from, and writes
 * what it emits to, a real broker that takes only SASL-authenticated clients, or only TLS
 * clients, with the client settings a secured cluster's users already keep in a properties file.
 * A wrong password and an untrusted broker certificate are refused by name (exit 3); no settings
 * against the secured port say what to give; a misspelt or Baton-managed setting is a usage error
 * naming its line.
 */
class KafkaSecurityTest {
    private static final String PROGRAM = """
            Event Bank.Deposit { account: Int [0..15], amount: Int [1..1000] }
            Event Bank.Receipt { account: Int, amount: Int }
            $total = 0
            $count = 0
            Module Accounts [instances: 16] {
                $balance = 0
                ON (Bank.Deposit) [route: {account}] {
                    $balance += {amount}
                    $total += {amount}
                    $count += 1
                    Emit Bank.Receipt { account: {account}, amount: {amount} }
                }
            }
            """;

    @Test
    void eventsInAndOutThroughASaslListener(@TempDir Path dir) throws Exception {
        Path program = dir.resolve("ledger.baton");
        Files.writeString(program, PROGRAM);
        int saslPort = LocalKafka.freePort();
        try (LocalKafka kafka = LocalKafka.startWithSasl(saslPort, Map.of("baton", "pa55word"))) {
            kafka.createTopics(2, "Bank.Deposit", "out.Bank.Receipt");
            DepositProducer.Written written = DepositProducer.write(kafka.bootstrap(), 3, 50, 500);
            long produced = written.count();
            long sum = written.sum();
            Path config = dir.resolve("client.properties");
            Files.writeString(config, """
                    # as a secured cluster's users keep it
                    security.protocol=SASL_PLAINTEXT
                    sasl.mechanism=PLAIN
                    sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="baton" password="pa55word";
                    """);
            String secured = "kafka://127.0.0.1:" + saslPort;
            CliTest.Run ok = run("run", program.toString(), "--events", secured + "?stop-when-idle=2s&config=" + config,
                    "--emit-log", secured + "?prefix=out.&config=" + config, "--report", "json", "--data-dir", dir.resolve("d1").toString());
            assertThat(ok.code()).as(ok.err()).isZero();
            JsonNode report = new ObjectMapper().readTree(ok.out());
            assertThat(report.get("globals").get("count").asLong()).as("every deposit read through SASL").isEqualTo(produced);
            assertThat(report.get("globals").get("total").asLong()).isEqualTo(sum);
            assertThat(receipts(kafka)).as("every receipt written through SASL").isEqualTo(produced);

            Path wrong = dir.resolve("wrong.properties");
            Files.writeString(wrong, Files.readString(config).replace("pa55word", "guess"));
            CliTest.Run refused = run("run", program.toString(), "--events", secured + "?config=" + wrong, "--data-dir", dir.resolve("d2").toString());
            assertThat(refused.code()).isEqualTo(ExitCode.INPUT);
            assertThat(refused.err()).contains("--events: Kafka at 127.0.0.1:" + saslPort + " refused the credentials");

            CliTest.Run bare = run("run", program.toString(), "--events", secured, "--data-dir", dir.resolve("d3").toString());
            assertThat(bare.code()).isEqualTo(ExitCode.INPUT);
            assertThat(bare.err()).contains("give its client settings with ?config=FILE");

            Path typo = dir.resolve("typo.properties");
            Files.writeString(typo, "security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=PLAIN\n");
            CliTest.Run misspelt = run("run", program.toString(), "--events", secured + "?config=" + typo);
            assertThat(misspelt.code()).isEqualTo(ExitCode.USAGE);
            assertThat(misspelt.err()).contains("config=" + typo + " line 2: 'sasl.mechanisms' is not a Kafka client setting");

            Path managed = dir.resolve("managed.properties");
            Files.writeString(managed, "enable.auto.commit=true\n");
            CliTest.Run overrides = run("run", program.toString(), "--emit-log", secured + "?config=" + managed);
            assertThat(overrides.code()).isEqualTo(ExitCode.USAGE);
            assertThat(overrides.err()).contains("line 1: enable.auto.commit is set by Baton");
        }
    }

    @Test
    void eventsInThroughATlsListener(@TempDir Path dir) throws Exception {
        Path program = dir.resolve("ledger.baton");
        Files.writeString(program, PROGRAM);
        TestCerts.keypair(dir, "server");
        TestCerts.keypair(dir, "stranger");
        Path trust = truststore(dir, "server");
        Path wrongTrust = truststore(dir, "stranger");
        int sslPort = LocalKafka.freePort();
        try (LocalKafka kafka = LocalKafka.startWithTls(sslPort, dir.resolve("server.p12"), new String(TestCerts.PASS))) {
            kafka.createTopics(2, "Bank.Deposit");
            DepositProducer.Written written = DepositProducer.write(kafka.bootstrap(), 5, 50, 300);
            long produced = written.count();
            long sum = written.sum();
            Path config = dir.resolve("client.properties");
            Files.writeString(config, "security.protocol=SSL\nssl.truststore.type=PKCS12\nssl.truststore.location=" + trust
                    + "\nssl.truststore.password=" + new String(TestCerts.PASS) + "\n");
            String secured = "kafka://127.0.0.1:" + sslPort;
            CliTest.Run ok = run("run", program.toString(), "--events", secured + "?stop-when-idle=2s&config=" + config, "--report", "json",
                    "--data-dir", dir.resolve("d1").toString());
            assertThat(ok.code()).as(ok.err()).isZero();
            JsonNode report = new ObjectMapper().readTree(ok.out());
            assertThat(report.get("globals").get("count").asLong()).as("every deposit read over TLS").isEqualTo(produced);
            assertThat(report.get("globals").get("total").asLong()).isEqualTo(sum);

            Path untrusting = dir.resolve("untrusting.properties");
            Files.writeString(untrusting, Files.readString(config).replace(trust.toString(), wrongTrust.toString()));
            CliTest.Run refused = run("run", program.toString(), "--events", secured + "?config=" + untrusting, "--data-dir", dir.resolve("d2").toString());
            assertThat(refused.code()).isEqualTo(ExitCode.INPUT);
            assertThat(refused.err()).contains("the TLS handshake with Kafka at 127.0.0.1:" + sslPort + " failed");
        }
    }

    /** A PKCS#12 trust store holding {@code name}'s certificate. */
    private static Path truststore(Path dir, String name) throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(name, TestCerts.load(dir, name).getCertificate(name));
        Path file = dir.resolve(name + "-trust.p12");
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            trust.store(out, TestCerts.PASS);
        }
        return file;
    }

    /** Records in the receipt topic, counted through the plain listener. */
    private static long receipts(LocalKafka kafka) throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetSpec> ends = Map.of(new TopicPartition("out.Bank.Receipt", 0), OffsetSpec.latest(),
                    new TopicPartition("out.Bank.Receipt", 1), OffsetSpec.latest());
            return admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS).values().stream().mapToLong(i -> i.offset()).sum();
        }
    }
}
