package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as a user meets it: exit codes, messages, formats. */
class CliTest {
    record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    static Run run(String... args) {
        return runIn(args);
    }

    private static Run runIn(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        Run r = new Run(code, out.toString(), err.toString());
        assertThat(r.all()).as("no stack trace reaches the user").doesNotContain("\tat ").doesNotContain("Exception");
        return r;
    }

    @Test
    void versionAndHelp() {
        assertThat(run("--version").out()).startsWith("baton 0.1.0");
        Run help = run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("check", "fmt", "Exit codes", "usage error");
        assertThat(run("help", "check").out()).contains("--format", "FILE");
        assertThat(run("fmt", "--help").out()).contains("--check");
    }

    @Test
    void examplesCheckClean() {
        Run r = run("check", "../examples");
        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).contains("checked 6 files: 0 errors, 0 warnings");
    }

    /** {@code check --workflows}: which workflows run apart, and for the others the first thing that ties them to the run, where. */
    @Test
    void checkTellsWhichWorkflowsAreSelfContained() throws Exception {
        Run text = run("check", "--workflows", "../examples/planner.baton", "../examples/faction.baton");
        assertThat(text.code()).isEqualTo(ExitCode.OK);
        assertThat(text.out()).contains(
                "../examples/planner.baton:55:10: workflow Pursue is self-contained: it runs apart (a child workflow on Temporal)",
                "../examples/planner.baton:50:5: workflow Campaign runs within the run: it emits Goal.Done",
                "../examples/faction.baton:104:5: workflow Pursue runs within the run: it uses $agents",
                "../examples/faction.baton:147:5: workflow Negotiate runs within the run: it shares a fork with other workflows");
        Run json = run("check", "--workflows", "--format", "json", "../examples/planner.baton");
        var ws = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).get("files").get(0).get("workflows");
        assertThat(ws.get(1).get("name").asText()).isEqualTo("Pursue");
        assertThat(ws.get(1).get("selfContained").asBoolean()).isTrue();
        assertThat(ws.get(0).get("reason").asText()).isEqualTo("it emits Goal.Done");
        assertThat(ws.get(0).get("line").asInt()).isEqualTo(50);
        assertThat(run("check", "../examples/planner.baton").out()).doesNotContain("self-contained");
    }

    /** {@code check --modules}: which modules can live on the state store, which are hot, and why the others stay in the run. */
    @Test
    void checkTellsWhichModulesCanLiveOnTheStateStore() throws Exception {
        Run text = run("check", "--modules", "../examples/world-boss.baton", "../examples/seed-boss-sync.baton");
        assertThat(text.code()).isEqualTo(ExitCode.OK);
        assertThat(text.out()).contains(
                "../examples/world-boss.baton:104:8: module GlobalAuthority is hot: it lives on the state store (owns $defeat, $global_boss_state)",
                "../examples/world-boss.baton:236:8: module Ledger can live on the state store (--hot-modules Ledger)",
                "../examples/world-boss.baton:138:5: module Director stays in the run: it has a Tick",
                "module GlobalAuthority stays in the run: it starts TriggerVictorySequence without an [id: …]",
                "../examples/world-boss.baton:61:1: the run cannot be spread over partitions: ShardBossController cannot be split:"
                        + " workflow TriggerVictorySequence calls it");
        Run json = run("check", "--modules", "--format", "json", "../examples/shard-sync.baton");
        var ms = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).get("files").get(0).get("modules");
        assertThat(ms.get(0).get("name").asText()).isEqualTo("ShardBossController");
        assertThat(ms.get(0).get("reason").asText()).isEqualTo("it has more than one instance");
        assertThat(ms.get(1).get("hot").asBoolean()).isTrue();
        assertThat(ms.get(1).get("owns").get(0).asText()).isEqualTo("global_boss_state");
        var partitions = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).get("files").get(0).get("partitions");
        assertThat(partitions.get("possible").asBoolean()).isTrue();
        assertThat(partitions.get("split").get(0).asText()).isEqualTo("ShardBossController");
        assertThat(run("check", "--modules", "../examples/shard-sync.baton").out()).contains(
                "../examples/shard-sync.baton: the run can be spread over partitions (--partitions N): ShardBossController split, sharing GlobalAuthority on the state store");
        assertThat(run("check", "../examples/shard-sync.baton").out()).doesNotContain("state store");
    }

    @Test
    void errorsAreRenderedWithPositionAndCaret(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.baton");
        Files.writeString(f, "Module M {\n    ON (P.E) {\n        $nope += 1\n    }\n}\n");
        Run r = run("check", f.toString());
        assertThat(r.code()).isEqualTo(ExitCode.PROBLEMS);
        assertThat(r.out()).contains(f + ":3:9: error[B0201]: unknown state '$nope'")
                .contains("    3 |         $nope += 1\n      |         ^~~~~\n");
        assertThat(r.err()).contains("1 error");
    }

    @Test
    void jsonReportForEditorsAndCi(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.baton");
        Files.writeString(f, "Workflow W {\n    Sleep 1s\n    Strat W\n}\n");
        Run r = run("check", "--format", "json", f.toString(), "../examples/world-boss.baton");
        assertThat(r.code()).isEqualTo(ExitCode.PROBLEMS);
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("ok").asBoolean()).isFalse();
        assertThat(json.get("errors").asInt()).isEqualTo(1);
        JsonNode d = json.get("files").get(0).get("diagnostics").get(0);
        assertThat(d.get("code").asText()).isEqualTo("B0110");
        assertThat(d.get("line").asInt()).isEqualTo(3);
        assertThat(d.get("column").asInt()).isEqualTo(5);
        assertThat(d.get("message").asText()).contains("did you mean 'Start'?");
        assertThat(json.get("files").get(1).get("errors").asInt()).isZero();
    }

    @Test
    void warningsFailOnlyWhenAsked(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("warn.baton");
        Files.writeString(f, "Workflow W {\n    let i = 0\n    while i < 3 {\n        i += 1\n    }\n}\n");
        assertThat(run("check", f.toString()).code()).isEqualTo(ExitCode.OK);
        assertThat(run("check", "-W", f.toString()).code()).isEqualTo(ExitCode.PROBLEMS);
    }

    @Test
    void usageErrorsExitTwo() {
        Run bogus = run("check", "--bogus", "x.baton");
        assertThat(bogus.code()).isEqualTo(ExitCode.USAGE);
        assertThat(bogus.err()).contains("Unknown option: '--bogus'").contains("baton check --help");
        assertThat(run("check").code()).isEqualTo(ExitCode.USAGE);
        assertThat(run("check", "--format", "xml", "x.baton").code()).isEqualTo(ExitCode.USAGE);
        assertThat(run("frobnicate").code()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void unreadableInputExitsThree(@TempDir Path dir) {
        Run missing = run("check", dir.resolve("nope.baton").toString());
        assertThat(missing.code()).isEqualTo(ExitCode.INPUT);
        assertThat(missing.err()).contains("nope.baton: no such file");
        Run empty = run("check", dir.toString());
        assertThat(empty.code()).isEqualTo(ExitCode.INPUT);
        assertThat(empty.err()).contains("no .baton files");
    }

    @Test
    void fmtRewritesChecksAndRefusesBrokenFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.baton");
        Files.writeString(f, "Module   M{  # keep me\n$n=0}\n");
        Run check = run("fmt", "--check", f.toString());
        assertThat(check.code()).isEqualTo(ExitCode.PROBLEMS);
        assertThat(check.out()).contains("a.baton");
        assertThat(Files.readString(f)).startsWith("Module   M");

        assertThat(run("fmt", f.toString()).code()).isEqualTo(ExitCode.OK);
        assertThat(Files.readString(f)).isEqualTo("Module M { # keep me\n    $n = 0\n}\n");
        assertThat(run("fmt", "--check", f.toString()).code()).isEqualTo(ExitCode.OK);

        Path broken = dir.resolve("broken.baton");
        Files.writeString(broken, "Module M {\n    $n = \n}\n");
        Run r = run("fmt", broken.toString());
        assertThat(r.code()).isEqualTo(ExitCode.PROBLEMS);
        assertThat(r.err()).contains("broken.baton:2:9: error[B0110]").contains("not formatted because of syntax errors");
        assertThat(Files.readString(broken)).isEqualTo("Module M {\n    $n = \n}\n");
    }

    @Test
    void fmtToStdout(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.baton");
        Files.writeString(f, "$a=1");
        Run r = run("fmt", "--stdout", f.toString());
        assertThat(r.out()).isEqualTo("$a = 1\n");
        assertThat(Files.readString(f)).isEqualTo("$a=1");
    }

    @Test
    void examplesAreCanonicallyFormatted() {
        // seed-boss-sync.baton is deliberately the seed's own layout with the fewest edits.
        Run r = run("fmt", "--check", "../examples/world-boss.baton", "../examples/economy.baton", "../examples/faction.baton", "../examples/shard-sync.baton");
        assertThat(r.code()).as(r.all()).isEqualTo(ExitCode.OK);
    }
}
