package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.journal.Durability;
import dev.baton.runtime.plan.Plan;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Replaying the journal from nothing gives the live state; bad external input is rejected, not applied. */
class ReplayTest {
    static final String LEDGER = """
            Event Bank.Deposit { account: Int [0..9], amount: Int [1..1000] }
            $total = 0
            Module Accounts [instances: 10] {
                $balance = 0
                ON (Bank.Deposit) [route: {account}] {
                    $balance += {amount}
                    $total += {amount}
                }
            }
            """;
    static final Plan PLAN = Programs.plan(LEDGER);

    @Provide
    Arbitrary<List<int[]>> deposits() {
        return Arbitraries.integers().between(0, 9).flatMap(a -> Arbitraries.integers().between(1, 1000).map(m -> new int[] {a, m}))
                .list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 20)
    void replayingTheJournalGivesTheLiveState(@ForAll("deposits") List<int[]> deposits) throws IOException {
        Path dir = Files.createTempDirectory("replay");
        try {
            List<Inbox.Item> items = new ArrayList<>();
            long expected = 0;
            for (int i = 0; i < deposits.size(); i++) {
                items.add(new Inbox.Item(i + 1, "Bank.Deposit", "{\"account\": " + deposits.get(i)[0] + ", \"amount\": " + deposits.get(i)[1] + "}"));
                expected += deposits.get(i)[1];
            }
            ListInbox inbox = new ListInbox(items);
            EmbeddedEngine live = new EmbeddedEngine(PLAN, EngineOptions.defaults().withDataDir(dir).withInbox(inbox));
            RunReport report = live.run();
            assertThat(report.globals().get("total")).isEqualTo(expected);
            assertThat(inbox.acks).hasSize(deposits.size()).allMatch(a -> a.startsWith("ack "));

            // throw away every snapshot and the final report: only the journal remains
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    String n = p.getFileName().toString();
                    if (n.startsWith("snapshot-") || n.equals("report.json")) Files.delete(p);
                }
            }
            Durability d = Durability.open(dir, PLAN, EngineOptions.defaults());
            Core replayed = d.restore(PLAN, EngineOptions.defaults());
            d.close();
            replayed.runUntil(live.core().now());
            assertThat(replayed.globals()).isEqualTo(live.core().globals());
            assertThat(replayed.moduleState("Accounts")).isEqualTo(live.core().moduleState("Accounts"));
            assertThat(replayed.traceHash()).isEqualTo(live.core().traceHash());
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void badExternalEventsAreRejectedWithAReasonAndDuplicatesIgnored(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        ListInbox inbox = new ListInbox(List.of(
                new Inbox.Item(1, "Bank.Deposit", "{\"account\": 1, \"amount\": 10}"),
                new Inbox.Item(2, "Bank.Deposit", "{\"account\": 1, \"amount\": -5}"),
                new Inbox.Item(3, "Bank.Deposit", "{\"account\": 1}"),
                new Inbox.Item(4, "Bank.Withdraw", "{}"),
                new Inbox.Item(5, "Bank.Deposit", "{\"account\": 2, \"amount\": 7, \"note\": 1}"),
                new Inbox.Item(6, "Bank.Deposit", "{not json"),
                new Inbox.Item(1, "Bank.Deposit", "{\"account\": 1, \"amount\": 10}"),
                new Inbox.Item(7, "Bank.Deposit", "{\"account\": 2, \"amount\": 7}")));
        RunReport r = new EmbeddedEngine(PLAN, EngineOptions.defaults().withDataDir(dir).withInbox(inbox)).run();
        assertThat(r.globals().get("total")).isEqualTo(17L);
        assertThat(inbox.acks).containsExactlyInAnyOrder(
                "ack 1",
                "reject 2: amount = -5 is outside Int [1..1000]",
                "reject 3: amount is missing",
                "reject 4: unknown event 'Bank.Withdraw'",
                "reject 5: unexpected field 'note'",
                "reject 6: invalid JSON: Unexpected character ('n' (code 110)): was expecting double-quote to start field name at column 2",
                "ack 1",
                "ack 7");
    }
}
