package dev.baton.runtime;

import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.runtime.internal.compile.Compiler;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The trace hash of every example — at its defaults and at the sizes the tests use, quiet and
 * under the fault simulator's seeds — pinned in {@code src/test/resources/pinned-trace-hashes.txt}.
 * A change to the engine that is meant to change nothing (a restructuring, a faster path) must
 * leave every line as it is; one that changes what runs do says so by re-recording the file
 * ({@code mvn -pl baton-runtime test -Dtest=PinnedTraceHashesTest -Dgolden.update=true}, as for the other golden files) in the
 * same commit, where the difference is reviewed.
 */
class PinnedTraceHashesTest {
    static final Path PINNED = Path.of("src/test/resources/pinned-trace-hashes.txt");
    static final String SMALL_BOSS = "players=2000,shards=8,boss_hp=20000000,attack_rate=50000";
    static final String FAULTS = "crash=2,duplicate=0.05,delay=0.1,drop=0.02,hallucinate=0.3";

    /** Example, parameters (name=value,…; "-" for the defaults), seed, faults ("none"). */
    record Case(String example, String params, long seed, String faults) {
        String key() {
            return example + " " + params + " seed=" + seed + " faults=" + faults;
        }
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (String example : List.of("economy", "faction", "planner", "seed-boss-sync", "shard-sync")) {
            out.add(new Case(example, "-", 1, "none"));
            for (long seed : new long[] {2, 7}) out.add(new Case(example, "-", seed, FAULTS));
        }
        out.add(new Case("world-boss", "-", 1, "none"));
        out.add(new Case("world-boss", SMALL_BOSS, 1, "none"));
        for (long seed : new long[] {3, 11, 42}) out.add(new Case("world-boss", SMALL_BOSS, seed, FAULTS));
        return out;
    }

    static String hash(Case c) throws Exception {
        Path file = Path.of("../examples/" + c.example() + ".baton");
        CheckResult checked = Baton.check(file.getFileName().toString(), Files.readString(file));
        assertThat(checked.hasErrors()).as(c.example()).isFalse();
        Map<String, String> params = new LinkedHashMap<>();
        if (!c.params().equals("-")) {
            for (String kv : c.params().split(",")) params.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        RunReport r = new EmbeddedEngine(Compiler.compile(checked, params),
                EngineOptions.defaults().withSeed(c.seed()).withFaults(Faults.parse(c.faults()))).run();
        return r.traceHash();
    }

    @Test
    void everyExampleRunsAsItDidWhenPinned() throws Exception {
        Map<String, String> now = new TreeMap<>();
        for (Case c : cases()) now.put(c.key(), hash(c));
        if (Boolean.getBoolean("golden.update")) {
            StringBuilder text = new StringBuilder("# example params seed faults = trace hash (see PinnedTraceHashesTest)\n");
            now.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
            Files.writeString(PINNED, text);
        }
        Map<String, String> pinned = new TreeMap<>();
        for (String line : Files.readAllLines(PINNED)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int eq = line.lastIndexOf(" = ");
            pinned.put(line.substring(0, eq), line.substring(eq + 3).trim());
        }
        assertThat(now).as("trace hashes against " + PINNED).isEqualTo(pinned);
    }
}
