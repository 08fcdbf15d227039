package dev.baton.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.baton.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wrong input on purpose: each gets a clear message with a position or the flag, a documented
 * exit code — never "internal error", never a stack trace — and touches nothing on disk.
 */
class BadInputTest {
    static final String SHARDS = """
            Param shards = 4
            Event P.Hit { shard: Int [0..], n: Int }
            Module Accounts [instances: $shards] {
                $sum = 0
                ON (P.Hit) [route: {shard} % $shards] {
                    $sum += {n}
                }
            }
            Module Mailer {
                Deliver(n: Int) /execute {
                    return n
                }
            }
            Load L [total: 200, rate: 10_000] {
                Emit P.Hit { shard: seq % 4, n: 1 }
            }
            """;

    private static String write(Path dir, String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f.toString();
    }

    @Test
    void anUnknownModuleInFaultsIsAUsageErrorCheckedBeforeAnythingIsTouched(@TempDir Path dir) throws Exception {
        String p = write(dir, "p.baton", SHARDS);
        String data = dir.resolve("d").toString();
        assertThat(run("run", p, "--data-dir", data).code()).isZero();
        byte[] report = Files.readAllBytes(dir.resolve("d/report.json"));
        byte[] meta = Files.readAllBytes(dir.resolve("d/meta.properties"));
        for (String[] args : List.of(new String[] {"run", p, "--data-dir", data, "--fresh", "--faults", "crash=Acounts"},
                new String[] {"sim", p, "--faults", "crash=Acounts:2"},
                new String[] {"run", p, "--data-dir", data, "--fresh", "--faults", "spike=Mailr"},
                new String[] {"sim", p, "--faults", "spike=Mailr"})) {
            CliTest.Run r = run(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(ExitCode.USAGE);
            assertThat(r.err()).containsAnyOf("the program has no module 'Acounts'; did you mean 'Accounts'?",
                    "the program has no module 'Mailr'; did you mean 'Mailer'?");
        }
        assertThat(Files.readAllBytes(dir.resolve("d/report.json"))).as("the finished run is kept").isEqualTo(report);
        assertThat(Files.readAllBytes(dir.resolve("d/meta.properties"))).isEqualTo(meta);
        CliTest.Run nan = run("sim", p, "--faults", "duplicate=NaN");
        assertThat(nan.code()).isEqualTo(ExitCode.USAGE);
        assertThat(nan.err()).contains("duplicate=NaN: a probability is a number from 0 to 1");
    }

    @Test
    void badAiFlagsAreUsageErrorsSayingWhat(@TempDir Path dir) throws Exception {
        String p = write(dir, "p.baton", """
                AI Planner [provider: "policy", model: "goal-splitter"]
                AI Scout [provider: "openai"]
                Workflow W(goal: String) -> Bool {
                    Ask Planner { goal: goal, depth: 0 } expect { primitive: Bool } otherwise { primitive: true } -> plan
                    return plan.primitive
                }
                """);
        Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
        cases.put(List.of("--ai", "Planer=policy"), "--ai Planer: the program declares no AI Planer; did you mean 'Planner'?");
        cases.put(List.of("--ai", "Planner=ollama:http://x"), "unknown provider 'ollama' (known: openai, policy)");
        cases.put(List.of("--ai", "Planner=openai"), "openai needs an endpoint, as in openai:http://127.0.0.1:8000/v1");
        cases.put(List.of("--ai", "Planner=openai:127.0.0.1:8000"), "the endpoint must start with http:// or https://");
        cases.put(List.of("--ai", "Planner"), "is not NAME=policy or NAME=openai:ENDPOINT[#MODEL]");
        cases.put(List.of(), "AI Scout has provider \"openai\" but no endpoint: give one in the program or with --ai Scout=openai:http://HOST:PORT/v1");
        for (var c : cases.entrySet()) {
            for (String cmd : List.of("run", "sim")) {
                List<String> args = new java.util.ArrayList<>(List.of(cmd, p, "--data-dir", dir.resolve("d").toString()));
                if (cmd.equals("sim")) args.subList(2, 4).clear();
                args.addAll(c.getKey());
                CliTest.Run r = run(args.toArray(String[]::new));
                assertThat(r.code()).as(String.join(" ", args)).isEqualTo(ExitCode.USAGE);
                assertThat(r.err()).as(String.join(" ", args)).contains(c.getValue()).doesNotContain("Exception");
            }
        }
        assertThat(dir.resolve("d")).as("nothing was touched").doesNotExist();
        CliTest.Run ok = run("sim", p, "--ai", "Scout=policy");
        assertThat(ok.code()).as(ok.err()).isZero();
    }

    @Test
    void aFaultOnAnInstanceThatDoesNotExistIsFoundByCheckOrAtTheStart(@TempDir Path dir) throws Exception {
        String fixed = write(dir, "fixed.baton", """
                Module Shard [instances: 4] {
                    $x = 0
                }
                Fault Outage [module: Shard, key: 9, at: 1s]
                """);
        CliTest.Run check = run("check", fixed);
        assertThat(check.code()).isEqualTo(ExitCode.PROBLEMS);
        assertThat(check.out()).contains("fixed.baton:4:35: error[B0308]: Fault Outage takes down Shard[9], which is not an instance: Shard has 4 instances, keys 0..3");
        String param = write(dir, "param.baton", SHARDS + "Fault Outage [module: Accounts, key: 3, at: 1s]\n");
        assertThat(run("check", param).code()).isZero();
        CliTest.Run r = run("sim", param, "--shards", "2");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("param.baton:17:38: Fault Outage takes down Accounts[3], which is not an instance of Accounts (its keys: 0..1)");
    }

    @Test
    void instanceCountsAreBounded(@TempDir Path dir) throws Exception {
        String huge = write(dir, "huge.baton", "Module M [instances: 3000000000] {\n    $x = 0\n}\n");
        CliTest.Run check = run("check", huge);
        assertThat(check.code()).isEqualTo(ExitCode.PROBLEMS);
        assertThat(check.out()).contains("huge.baton:1:22: error[B0308]: a module has at most 1,000,000 instances (this one asks for 3,000,000,000)");
        String p = write(dir, "p.baton", SHARDS);
        for (String n : List.of("99999999999", "0", "-1", "1000001")) {
            CliTest.Run r = run("sim", p, "--shards", n);
            assertThat(r.code()).as(n).isEqualTo(ExitCode.USAGE);
            assertThat(r.err()).contains("p.baton:3:29: module Accounts would have " + n + " instances ($shards = " + n + "); a module has 1 to 1,000,000 instances");
        }
        CliTest.Run world = run("sim", "../examples/world-boss.baton", "--shards", "99999999999");
        assertThat(world.code()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void anErrorThatEscapesACommandGetsAMessageAndExitFour() {
        StringWriter err = new StringWriter();
        assertThat(Main.failed(new OutOfMemoryError("Java heap space"), new PrintWriter(err, true), false)).isEqualTo(ExitCode.INTERNAL);
        assertThat(err.toString()).startsWith("baton: out of memory (Java heap space)").contains("BATON_JAVA_OPTS").doesNotContain("\tat ");
        StringWriter err2 = new StringWriter();
        assertThat(Main.failed(new StackOverflowError(), new PrintWriter(err2, true), false)).isEqualTo(ExitCode.INTERNAL);
        assertThat(err2.toString()).contains("internal error: the stack overflowed").contains("--verbose").doesNotContain("\tat ");
    }

    @Test
    void durationsOutOfRangeAreRefusedNeverWrapped(@TempDir Path dir) throws Exception {
        String tick = write(dir, "tick.baton", "Module M {\n    Tick [1000000d] {\n    }\n}\n");
        CliTest.Run check = run("check", tick);
        assertThat(check.code()).isEqualTo(ExitCode.PROBLEMS);
        assertThat(check.out()).contains("tick.baton:2:11: error[B0103]: duration '1000000d' is too long: a duration is at most 36500d (100 years)")
                .doesNotContain("B0309");
        assertThat(check.err()).contains("1 error");
        String param = write(dir, "param.baton", """
                Param tick = 100ms
                $n = 0
                Module M {
                    Tick [$tick] {
                        $n += 1
                    }
                }
                """);
        CliTest.Run tooLong = run("sim", param, "--tick", "1000000d", "--duration", "1s");
        assertThat(tooLong.code()).isEqualTo(ExitCode.USAGE);
        assertThat(tooLong.err()).contains("--tick 1000000d: '1000000d' is too long: a duration is at most 36500d");
        CliTest.Run zero = run("sim", param, "--tick", "0ms", "--duration", "1s");
        assertThat(zero.code()).isEqualTo(ExitCode.USAGE);
        assertThat(zero.err()).contains("param.baton:4:11: a Tick of 0ms ($tick) is shorter than the engine's resolution (1ms)");
        CliTest.Run flag = run("sim", param, "--duration", "1000000d");
        assertThat(flag.code()).isEqualTo(ExitCode.USAGE);
        assertThat(flag.err()).contains("'1000000d' is too long");
    }

    @Test
    void aDataDirectoryThatIsWrongSaysWhatIsWrongWithWhichFile(@TempDir Path dir) throws Exception {
        String p = write(dir, "p.baton", SHARDS);
        CliTest.Run empty = run("run", p, "--data-dir", "");
        assertThat(empty.code()).isEqualTo(ExitCode.USAGE);
        assertThat(empty.err()).contains("--data-dir is empty");
        Files.writeString(dir.resolve("afile"), "x");
        CliTest.Run file = run("run", p, "--data-dir", dir.resolve("afile").toString());
        assertThat(file.code()).isEqualTo(ExitCode.INPUT);
        assertThat(file.err()).contains("afile is a file, not a data directory");

        String data = dir.resolve("d").toString();
        assertThat(run("run", p, "--data-dir", data, "--duration", "10ms").code()).isZero();
        Files.delete(dir.resolve("d/report.json"));
        Path meta = dir.resolve("d/meta.properties");
        String good = Files.readString(meta);
        Files.writeString(meta, good.replaceAll("(?m)^program=.*\n", "").replaceAll("(?m)^seed=.*\n", ""));
        CliTest.Run noSeed = run("run", p, "--data-dir", data);
        assertThat(noSeed.code()).isEqualTo(ExitCode.INPUT);
        assertThat(noSeed.err()).contains("meta.properties is damaged: it has no 'seed'");
        Files.writeString(meta, "\\u00zz garbage");
        CliTest.Run garbage = run("run", p, "--data-dir", data);
        assertThat(garbage.code()).isEqualTo(ExitCode.INPUT);
        assertThat(garbage.err()).contains("meta.properties is damaged");
        Files.delete(meta);
        CliTest.Run noMeta = run("run", p, "--data-dir", data, "--seed", "9");
        assertThat(noMeta.code()).isEqualTo(ExitCode.INPUT);
        assertThat(noMeta.err()).contains("holds a run's files but no meta.properties");
        assertThat(Files.exists(meta)).as("not written for a run it cannot tell").isFalse();
        CliTest.Run history = run("history", p, "--data-dir", data);
        assertThat(history.code()).isEqualTo(ExitCode.INPUT);

        String done = dir.resolve("done").toString();
        assertThat(run("run", p, "--data-dir", done).code()).isZero();
        Files.writeString(dir.resolve("done/report.json"), "{\"program\": ");
        CliTest.Run corrupt = run("run", p, "--data-dir", done);
        assertThat(corrupt.code()).isEqualTo(ExitCode.INPUT);
        assertThat(corrupt.err()).contains("done/report.json is damaged, so the finished run's report cannot be shown");
    }

    @Test
    void flagsSayWhatIsMeant(@TempDir Path dir) throws Exception {
        String p = write(dir, "p.baton", SHARDS);
        CliTest.Run typo = run("sim", p, "--sed", "4");
        assertThat(typo.code()).isEqualTo(ExitCode.USAGE);
        assertThat(typo.err()).contains("unknown option --sed; did you mean --seed?");
        CliTest.Run param = run("sim", p, "--shard", "4");
        assertThat(param.err()).contains("unknown option --shard; did you mean --shards?");
        CliTest.Run twice = run("sim", p, "--shards", "3", "--shards", "4");
        assertThat(twice.code()).isEqualTo(ExitCode.USAGE);
        assertThat(twice.err()).contains("--shards is given twice (3 and 4)");
        CliTest.Run notANumber = run("sim", p, "--seed", "abc");
        assertThat(notANumber.code()).isEqualTo(ExitCode.USAGE);
        assertThat(notANumber.err()).contains("'abc' is not a whole number");
        CliTest.Run option = run("check", "--formt", "json", p);
        assertThat(option.err()).contains("did you mean --format?");
        // dashes and underscores alike
        CliTest.Run dashed = run("sim", "../examples/world-boss.baton", "--boss-hp", "1000", "--players", "100", "--report", "json");
        assertThat(dashed.code()).isZero();
        CliTest.Run underscored = run("sim", "../examples/world-boss.baton", "--boss_hp", "1000", "--players", "100", "--report", "json");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(json.readTree(underscored.out()).get("traceHash")).isEqualTo(json.readTree(dashed.out()).get("traceHash"));
        assertThat(json.readTree(dashed.out()).get("globals").toString()).contains("\"hp\":0");
        for (String[] args : List.of(new String[] {"deploy", "--help"}, new String[] {"serv"}, new String[] {"runn", "x.baton"})) {
            CliTest.Run unknown = run(args);
            assertThat(unknown.code()).as(String.join(" ", args)).isEqualTo(ExitCode.USAGE);
            assertThat(unknown.err()).contains("unknown command '" + args[0] + "'").contains("commands: check, fmt, run");
        }
        assertThat(run("runn", "x").err()).contains("did you mean 'run'?");
    }

    @Test
    void aChangedParameterIsShownAsWritten(@TempDir Path dir) throws Exception {
        String p = write(dir, "p.baton", SHARDS.replace("Param shards = 4", "Param shards = 4\nParam tick = 100ms"));
        String data = dir.resolve("d").toString();
        assertThat(run("run", p, "--data-dir", data, "--duration", "10ms").code()).isZero();
        Files.delete(dir.resolve("d/report.json"));
        CliTest.Run changed = run("run", p, "--data-dir", data, "--tick", "200ms");
        assertThat(changed.code()).isEqualTo(ExitCode.INPUT);
        assertThat(changed.err()).contains("with params shards=4, tick=100ms; this run has params shards=4, tick=200ms");
    }

    @Test
    void checkEndsItsDiagnosticsBeforeTheSummary(@TempDir Path dir) throws Exception {
        String bad = write(dir, "bad.baton", "Module M [instances: 0] {\n}\n");
        CliTest.Run r = run("check", bad);
        assertThat(r.out()).endsWith("^\n\n");
        assertThat(r.err()).isEqualTo("checked 1 file: 1 error, 0 warnings\n");
    }

    @Test
    void theTextReportListsASpike(@TempDir Path dir) throws Exception {
        String p = write(dir, "p.baton", """
                Module Caller {
                    Tick [100ms] {
                        Call Mailer.Deliver { n: 1 }
                    }
                }
                Module Mailer {
                    Deliver(n: Int) /execute {
                        return n
                    }
                }
                """);
        CliTest.Run r = run("sim", p, "--faults", "spike=Mailer", "--duration", "4s");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("faults spike=Mailer").containsPattern("messages: 0 dropped, 0 duplicated, 0 delayed, [1-9][0-9]* slowed by a latency spike");
    }
}
