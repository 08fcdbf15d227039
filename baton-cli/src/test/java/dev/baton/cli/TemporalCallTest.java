package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.baton.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code baton call}: the endpoints of a live run on Temporal — {@code /return} ones as queries,
 * {@code /execute} ones as updates — while the run takes events from standard input. A command
 * resent with the same id counts once; bad calls are refused with the reason and exit 2; the run's
 * report counts exactly what the calls and events did; a finished run takes no more commands.
 * (No {@code kill -9} here: Temporal's test server never moves a waiting task off a dead worker's
 * sticky queue, so an idle run whose only worker is killed stays stuck there — see
 * docs/operations.md. The kill tests kill workers mid-task.)
 */
class TemporalCallTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String BANK = """
            Event Bank.Deposit { account: Int [0..3], amount: Int [1..1000] }
            $total = 0
            Module Accounts [instances: 4] {
                $balance = 0
                ON (Bank.Deposit) [route: {account}] {
                    $balance += {amount}
                    $total += {amount}
                }
                Deposit(amount: Int [1..1000], note: String = "") /execute -> Int {
                    $balance += amount
                    $total += amount
                    return $balance
                }
                Withdraw(amount: Int [1..]) /execute -> Int {
                    $balance -= amount
                    if $balance < 0 {
                        Fail "insufficient funds"
                    }
                    $total -= amount
                    return $balance
                }
                Balance /return -> Int {
                    return $balance
                }
            }
            """;

    @Test
    void endpointsOfALiveRunAnswerAndCommandsCountOnce(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bank.baton");
        Files.writeString(file, BANK);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"))) {
            String[] runCmd = {"run", "bank.baton", "--engine", "temporal", "--temporal", temporal.target(), "--events", "-", "--report", "json"};
            Process first = ChildProcess.start(dir, runCmd);
            OutputStream events = first.getOutputStream();
            events.write("{\"seq\": 1, \"event\": \"Bank.Deposit\", \"payload\": {\"account\": 2, \"amount\": 100}}\n".getBytes(StandardCharsets.UTF_8));
            events.flush();
            CliTest.Run balance = awaitAnswer(file, temporal, "Accounts[2].Balance", "100");
            assertThat(JSON.readTree(balance.out())).isEqualTo(JSON.readTree("{\"target\": \"Accounts[2].Balance\", \"ok\": true, \"value\": 100}"));

            CliTest.Run deposit = call(file, temporal, "Accounts[2].Deposit", "--args", "{\"amount\": 50}", "--id", "d1");
            assertThat(deposit.code()).as(deposit.err()).isZero();
            assertThat(JSON.readTree(deposit.out()).get("value").asLong()).isEqualTo(150);
            assertThat(JSON.readTree(call(file, temporal, "Accounts[2].Deposit", "--args", "{\"amount\": 50}", "--id", "d1").out()).get("value").asLong())
                    .as("the same id again").isEqualTo(150);

            CliTest.Run refused = call(file, temporal, "Accounts[2].Withdraw", "--args", "{\"amount\": 500}");
            assertThat(refused.code()).isEqualTo(ExitCode.PROBLEMS);
            assertThat(JSON.readTree(refused.out()).get("failure").asText()).isEqualTo("insufficient funds");

            CliTest.Run badKey = call(file, temporal, "Accounts[7].Balance");
            assertThat(badKey.code()).isEqualTo(ExitCode.USAGE);
            assertThat(badKey.err()).contains("7 is not an instance of Accounts (keys: [0, 1, 2, 3])");
            CliTest.Run badArgs = call(file, temporal, "Accounts[1].Deposit", "--args", "{\"amount\": 0}");
            assertThat(badArgs.code()).isEqualTo(ExitCode.USAGE);
            assertThat(badArgs.err()).contains("arguments of Accounts.Deposit: amount = 0 is outside");
            CliTest.Run noSuchRun = call(file, temporal, "Accounts[1].Balance", "--seed", "99");
            assertThat(noSuchRun.code()).isEqualTo(ExitCode.INPUT);
            assertThat(noSuchRun.err()).contains("no run").contains("seed99");

            CliTest.Run again = call(file, temporal, "Accounts[2].Deposit", "--args", "{\"amount\": 50}", "--id", "d1");
            assertThat(JSON.readTree(again.out()).get("value").asLong()).as("d1 from a third process").isEqualTo(150);
            CliTest.Run withdraw = call(file, temporal, "Accounts[2].Withdraw", "--args", "{\"amount\": 30}", "--id", "w1");
            assertThat(JSON.readTree(withdraw.out()).get("value").asLong()).isEqualTo(120);
            try (OutputStream in = events) {
                in.write("{\"seq\": 2, \"event\": \"Bank.Deposit\", \"payload\": {\"account\": 0, \"amount\": 7}}\n".getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(first.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(first.exitValue()).as(out).isZero();
            JsonNode report = JSON.readTree(out.substring(out.indexOf('{')));
            assertThat(report.get("globals").get("total").asLong()).as("100 + 50 - 30 + 7").isEqualTo(127);
            assertThat(report.get("modules").get("Accounts").get("sum(balance)").asLong()).isEqualTo(127);

            CliTest.Run late = call(file, temporal, "Accounts[2].Deposit", "--args", "{\"amount\": 1}");
            assertThat(late.code()).isEqualTo(ExitCode.INPUT);
            assertThat(late.err()).contains("has finished");
        }
    }

    private static CliTest.Run call(Path file, LocalTemporal temporal, String target, String... more) {
        String[] args = new String[5 + more.length];
        args[0] = "call";
        args[1] = file.toString();
        args[2] = target;
        args[3] = "--temporal";
        args[4] = temporal.target();
        System.arraycopy(more, 0, args, 5, more.length);
        return run(args);
    }

    /** Asks until the run (its worker up, its events applied) answers {@code value}. */
    private static CliTest.Run awaitAnswer(Path file, LocalTemporal temporal, String target, String value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        CliTest.Run r;
        do {
            r = call(file, temporal, target, "--wait", "5s");
            if (r.code() == 0 && JSON.readTree(r.out()).get("value").asText().equals(value)) return r;
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no answer " + value + " from " + target + ": " + r.out() + r.err());
    }
}
