package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.baton.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** baton run / sim / history as a user meets them, bad input included. */
class RunCliTest {
    static final String SMALL = """
            Event P.Hit { shard: Int [0..3], n: Int }
            Module S [instances: 4] {
                $sum = 0
                ON (P.Hit) [route: {shard}] {
                    $sum += {n}
                }
            }
            Load L [total: 1000, rate: 10_000] {
                Emit P.Hit { shard: seq % 4, n: 1 }
            }
            """;

    @Test
    void runReportsAsJsonAndResumesAFinishedRun(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("small.baton");
        Files.writeString(f, SMALL);
        String data = dir.resolve("data").toString();
        CliTest.Run first = run("run", f.toString(), "--data-dir", data, "--report", "json");
        assertThat(first.code()).isZero();
        JsonNode r = new ObjectMapper().readTree(first.out());
        assertThat(r.get("modules").get("S").get("sum(sum)").asLong()).isEqualTo(1000);
        assertThat(r.get("events").get("P.Hit").asLong()).isEqualTo(1000);
        assertThat(r.get("stopReason").asText()).isEqualTo("loads finished and work settled");

        CliTest.Run again = run("run", f.toString(), "--data-dir", data);
        assertThat(again.out()).contains("already finished").contains("(resumed)");
        CliTest.Run fresh = run("run", f.toString(), "--data-dir", data, "--fresh");
        assertThat(fresh.out()).doesNotContain("already finished");

        CliTest.Run history = run("history", f.toString(), "--data-dir", data, "--instance", "S[2]");
        assertThat(history.code()).isZero();
        assertThat(history.out()).contains("status: finished").contains("S[2]: {").contains("\"$sum\":250");

        CliTest.Run otherSeed = run("run", f.toString(), "--data-dir", data, "--seed", "9");
        assertThat(otherSeed.code()).isEqualTo(ExitCode.INPUT);
        assertThat(otherSeed.err()).contains("holds a run of small.baton with seed 1; this run has seed 9");
    }

    @Test
    void simIsReproducible(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("small.baton");
        Files.writeString(f, SMALL);
        String a = run("sim", f.toString(), "--seed", "5", "--faults", "crash=2,delay=0.2").out();
        String b = run("sim", f.toString(), "--seed", "5", "--faults", "crash=2,delay=0.2").out();
        assertThat(a.lines().filter(l -> l.startsWith("trace "))).containsExactlyElementsOf(b.lines().filter(l -> l.startsWith("trace ")).toList());
        assertThat(a).contains("faults crash=2,delay=0.2");
    }

    @Test
    void badInputGetsAClearMessageAndTheDocumentedExitCode(@TempDir Path dir) throws Exception {
        CliTest.Run missing = run("run", dir.resolve("nope.baton").toString());
        assertThat(missing.code()).isEqualTo(ExitCode.INPUT);
        assertThat(missing.err()).contains("nope.baton: no such file");

        Path bad = dir.resolve("bad.baton");
        Files.writeString(bad, "Module M {\n    Tick [1s] {\n        $x += 1\n    }\n}\n");
        CliTest.Run broken = run("run", bad.toString());
        assertThat(broken.code()).isEqualTo(ExitCode.PROBLEMS);
        assertThat(broken.err()).contains("bad.baton:3:9: error[B0201]").contains("nothing was run");

        assertThat(run("run", bad.toString(), "--duration", "soon").code()).isEqualTo(ExitCode.USAGE);
        CliTest.Run faults = run("sim", bad.toString(), "--faults", "meteor");
        assertThat(faults.code()).isEqualTo(ExitCode.USAGE);
        assertThat(faults.err()).contains("unknown fault 'meteor'");
        assertThat(run("sim", bad.toString(), "--faults", "drop=2").err()).contains("a probability is a number from 0 to 1");
        assertThat(run("run", bad.toString(), "--clock", "slow").code()).isEqualTo(ExitCode.USAGE);
        CliTest.Run size = run("run", bad.toString(), "--engine", "temporal", "--temporal-max-payload", "lots");
        assertThat(size.code()).isEqualTo(ExitCode.USAGE);
        assertThat(size.err()).contains("'lots' is not a size (4096, 512KiB, 2MiB)");
        assertThat(run("run", bad.toString(), "--engine", "temporal", "--temporal-max-payload", "12").err()).contains("'12' is below 1KiB");
    }

    @Test
    void badKafkaAddressesAreUsageErrorsAndAnUnreachableBrokerIsNamed(@TempDir Path dir) throws Exception {
        Path ok = dir.resolve("ok.baton");
        Files.writeString(ok, "Event P.Hit { n: Int }\nModule M {\n    $n = 0\n    ON (P.Hit) {\n        $n += {n}\n    }\n}\n");
        String data = dir.resolve("data").toString();
        CliTest.Run noPort = run("run", ok.toString(), "--data-dir", data, "--events", "kafka://localhost");
        assertThat(noPort.code()).isEqualTo(ExitCode.USAGE);
        assertThat(noPort.err()).contains("'localhost'").contains("HOST:PORT");
        CliTest.Run badOption = run("run", ok.toString(), "--data-dir", data, "--events", "kafka://127.0.0.1:9092?speed=fast");
        assertThat(badOption.code()).isEqualTo(ExitCode.USAGE);
        assertThat(badOption.err()).contains("unknown option 'speed'");
        CliTest.Run badIdle = run("run", ok.toString(), "--data-dir", data, "--events", "kafka://127.0.0.1:9092?stop-when-idle=later");
        assertThat(badIdle.code()).isEqualTo(ExitCode.USAGE);
        assertThat(badIdle.err()).contains("'later' is not a duration");
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        CliTest.Run unreachable = run("run", ok.toString(), "--data-dir", data, "--events", "kafka://127.0.0.1:" + closed);
        assertThat(unreachable.code()).isEqualTo(ExitCode.INPUT);
        assertThat(unreachable.err()).contains("no Kafka broker answered at 127.0.0.1:" + closed);
        CliTest.Run unreachableOut = run("run", ok.toString(), "--data-dir", data, "--emit-log", "kafka://127.0.0.1:" + closed);
        assertThat(unreachableOut.code()).isEqualTo(ExitCode.INPUT);
        assertThat(unreachableOut.err()).contains("--emit-log: no Kafka broker answered");
    }

    @Test
    void everyExampleRunsWithoutRuntimeErrors(@TempDir Path dir) throws Exception {
        try (var files = Files.list(Path.of("../examples"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".baton")).sorted().toList()) {
                // a scenario with a Report runs to the end (its invariants speak of the end); others for 1s
                boolean scenario = Files.readString(f).contains("\nReport {");
                String data = dir.resolve(f.getFileName().toString()).toString();
                CliTest.Run r = scenario ? run("run", f.toString(), "--data-dir", data) : run("run", f.toString(), "--data-dir", data, "--duration", "1s");
                assertThat(r.code()).as(f + ": " + r.err()).isEqualTo(ExitCode.OK);
                assertThat(r.out()).as(f.toString()).contains("runtime errors: none");
            }
        }
    }
}
