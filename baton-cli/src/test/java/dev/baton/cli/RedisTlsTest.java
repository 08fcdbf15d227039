package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.redis.LocalRedis;
import dev.baton.redis.RedisAddress;
import dev.baton.redis.RedisSharedState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.baton.cli.CliTest.run;
import static dev.baton.cli.TestCerts.exportCert;
import static dev.baton.cli.TestCerts.exportKey;
import static dev.baton.cli.TestCerts.keypair;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --state rediss://:PASSWORD@HOST:PORT?ca=…&cert=…&key=…}: a run publishes its state to a
 * real {@code redis-server} that takes only TLS clients with a certificate it trusts and a
 * password (as a managed Redis would). A wrong or missing password, a server certificate not
 * trusted, a missing client certificate, TLS against a plain port: each refused with a message
 * that says which (exit 3), never the password; TLS files on a plain address are a usage error.
 */
class RedisTlsTest {
    /** A hundred events summed: 4,950. */
    static final String PROGRAM = """
            Event P.Hit { n: Int }
            $total = 0
            Module M {
                ON (P.Hit) {
                    $total += {n}
                }
            }
            Load L [total: 100, rate: 1000] {
                Emit P.Hit { n: seq }
            }
            """;

    @Test
    void aRunPublishesItsStateOverMutualTlsWithAPassword(@TempDir Path dir) throws Exception {
        keypair(dir, "server");
        keypair(dir, "client");
        keypair(dir, "stranger");
        Path serverPem = exportCert(dir, "server");
        Path serverKey = exportKey(dir, "server");
        Path clientPem = exportCert(dir, "client");
        Path clientKey = exportKey(dir, "client");
        Path strangerPem = exportCert(dir, "stranger");
        Path strangerKey = exportKey(dir, "stranger");
        Path program = dir.resolve("count.baton");
        Files.writeString(program, PROGRAM);
        int tlsPort = LocalRedis.freePort();
        LocalRedis redis = TestRedis.startOrSkip(() -> LocalRedis.start(LocalRedis.freePort(), dir.resolve("redis"), false, List.of("--requirepass",
                "s3cret pass", "--tls-port", Integer.toString(tlsPort), "--tls-cert-file", serverPem.toString(), "--tls-key-file", serverKey.toString(),
                "--tls-ca-cert-file", clientPem.toString(), "--tls-auth-clients", "yes")));
        try (redis) {
            String tls = "127.0.0.1:" + tlsPort;
            String files = "?ca=" + serverPem + "&cert=" + clientPem + "&key=" + clientKey;
            String good = "rediss://:s3cret%20pass@" + tls + files;
            CliTest.Run ok = run("run", program.toString(), "--state", good, "--report", "json", "--fresh", "--data-dir", dir.resolve("d").toString());
            assertThat(ok.code()).as(ok.err()).isZero();
            JsonNode report = new ObjectMapper().readTree(ok.out());
            try (RedisSharedState reader = RedisSharedState.connect(RedisAddress.parse(good, null))) {
                Map<String, String> state = reader.readState("count");
                assertThat(state.get("total")).as("the state published over TLS").isEqualTo(report.get("globals").get("total").asText());
                assertThat(state.get("total")).isEqualTo(Long.toString(99L * 100 / 2));
            }

            CliTest.Run wrong = run("run", program.toString(), "--state", "rediss://:nope@" + tls + files, "--data-dir", dir.resolve("d").toString());
            assertThat(wrong.code()).isEqualTo(ExitCode.INPUT);
            assertThat(wrong.err()).contains("Redis at " + tls + " over TLS refused the credentials").doesNotContain("nope");

            CliTest.Run none = run("run", program.toString(), "--state", "rediss://" + tls + files, "--data-dir", dir.resolve("d").toString());
            assertThat(none.code()).isEqualTo(ExitCode.INPUT);
            assertThat(none.err()).contains("wants a password");

            CliTest.Run untrusted = run("run", program.toString(), "--state", "rediss://:s3cret%20pass@" + tls + "?cert=" + clientPem + "&key=" + clientKey,
                    "--data-dir", dir.resolve("d").toString());
            assertThat(untrusted.code()).isEqualTo(ExitCode.INPUT);
            assertThat(untrusted.err()).contains("TLS handshake with Redis at " + tls);

            CliTest.Run stranger = run("run", program.toString(), "--state",
                    "rediss://:s3cret%20pass@" + tls + "?ca=" + serverPem + "&cert=" + strangerPem + "&key=" + strangerKey, "--data-dir", dir.resolve("d").toString());
            assertThat(stranger.code()).as("a client certificate the server does not trust").isEqualTo(ExitCode.INPUT);
            assertThat(stranger.err()).contains("Redis at " + tls + " over TLS");

            CliTest.Run plainPort = run("run", program.toString(), "--state", "rediss://:s3cret%20pass@127.0.0.1:" + redis.port + files,
                    "--data-dir", dir.resolve("d").toString());
            assertThat(plainPort.code()).isEqualTo(ExitCode.INPUT);
            assertThat(plainPort.err()).contains("a plain port? then use redis://");

            CliTest.Run filesOnPlain = run("run", program.toString(), "--state", "redis://127.0.0.1:" + redis.port + files);
            assertThat(filesOnPlain.code()).isEqualTo(ExitCode.USAGE);
            assertThat(filesOnPlain.err()).contains("TLS options: use rediss://");

            CliTest.Run missing = run("run", program.toString(), "--state", "rediss://:x@" + tls + "?ca=" + dir.resolve("nope.pem"));
            assertThat(missing.code()).isEqualTo(ExitCode.INPUT);
            assertThat(missing.err()).contains("ca= " + dir.resolve("nope.pem") + ": cannot read it (no such file)");
        }
    }
}
