package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.InboxPositions;
import dev.baton.runtime.internal.journal.Durability;
import dev.baton.runtime.internal.journal.FileJournal;
import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The inbox's promises at the engine's boundary: an acknowledgement never precedes the sync of
 * what it acknowledges, an acknowledged event is always applied (never dropped as if it were a
 * resend), and a damaged journal is never passed over quietly.
 */
class InboxContractTest {
    static final Plan PLAN = Programs.plan(ReplayTest.LEDGER);

    private static Inbox.Item deposit(String producer, long seq, int account, int amount) {
        return new Inbox.Item(producer, seq, "Bank.Deposit", "{\"account\": " + account + ", \"amount\": " + amount + "}");
    }

    /** An inbox that hands out its batches one poll at a time and notes, at each answer, how many records the journal holds durably. */
    static final class Recording implements Inbox {
        private final List<List<Item>> batches;
        private final Path journal;
        final List<String> answers = new ArrayList<>();

        Recording(Path journal, List<List<Item>> batches) {
            this.journal = journal;
            this.batches = new ArrayList<>(batches);
        }

        @Override
        public List<Item> poll() {
            return batches.isEmpty() ? List.of() : batches.remove(0);
        }

        @Override
        public boolean closed() {
            return batches.isEmpty();
        }

        @Override
        public void acknowledge(Item item, String rejection) {
            int durable;
            try (FileJournal j = new FileJournal(journal, true)) {
                durable = j.readFrom(0).size();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            String who = item.source().isEmpty() ? "" : item.source() + " ";
            answers.add((rejection == null ? "ack " + who + item.seq() : "reject " + who + item.seq() + ": " + rejection) + " @" + durable);
        }
    }

    @Test
    void aResendOfAnEventInTheSameBatchIsAcknowledgedOnlyOnceTheEventIsSynced(@TempDir Path dir) throws IOException {
        String big = "x".repeat(200_000);
        Inbox.Item first = new Inbox.Item("", 1, "Bank.Deposit", "{\"account\": 1, \"amount\": 5}");
        Inbox.Item bigOne = new Inbox.Item("", 2, "Bank.Deposit", "{\"account\": 1, \"amount\": 5}" .replace("}", ", \"pad\": \"" + big + "\"}"));
        Inbox.Item second = new Inbox.Item("", 2, "Bank.Deposit", "{\"account\": 1, \"amount\": 7}");
        // 1 then a resend of 1 in the same poll: the resend's "ack" may only come after 1 is in the journal
        Recording inbox = new Recording(dir.resolve("journal.log"), List.of(List.of(first, deposit("", 1, 1, 5), second)));
        RunReport r = new EmbeddedEngine(PLAN, EngineOptions.defaults().withDataDir(dir).withInbox(inbox)).run();
        assertThat(r.globals().get("total")).isEqualTo(12L);
        assertThat(inbox.answers).containsExactly("ack 1 @1", "ack 1 @1", "ack 2 @1");
        assertThat(bigOne.seq()).isEqualTo(2);
    }

    @Test
    void anOutOfOrderEventIsAppliedOnceAndItsResendIsADuplicate(@TempDir Path dir) throws IOException {
        ListInbox inbox = new ListInbox(List.of(deposit("", 10, 1, 100), deposit("", 5, 1, 7), deposit("", 5, 1, 7),
                deposit("", 11, 1, 1), deposit("", 10, 1, 100), deposit("", 4, 2, 3)));
        RunReport r = new EmbeddedEngine(PLAN, EngineOptions.defaults().withDataDir(dir).withInbox(inbox)).run();
        // 10, 5 (a gap filled), 11 and 4 applied; the second 5 and the second 10 are resends
        assertThat(r.globals().get("total")).isEqualTo(111L);
        assertThat(r.events().get("Bank.Deposit")).isEqualTo(4L);
        assertThat(inbox.acks).containsExactly("ack 10", "ack 5", "ack 5", "ack 11", "ack 10", "ack 4");
    }

    @Test
    void negativeSequenceNumbersAreRejectedNotAcknowledged(@TempDir Path dir) throws IOException {
        ListInbox inbox = new ListInbox(List.of(deposit("", -5, 1, 100), deposit("", 1, 1, 2)));
        RunReport r = new EmbeddedEngine(PLAN, EngineOptions.defaults().withDataDir(dir).withInbox(inbox)).run();
        assertThat(r.globals().get("total")).isEqualTo(2L);
        assertThat(inbox.acks).containsExactly("reject -5: seq -5 is negative: sequence numbers count up from 0 or 1", "ack 1");
    }

    @Test
    void producersNumberTheirOwnEvents(@TempDir Path dir) throws IOException {
        List<Inbox.Item> items = new ArrayList<>();
        for (String p : List.of("web-1", "web-2")) for (int s = 1; s <= 3; s++) items.add(deposit(p, s, s, 10));
        items.add(deposit("web-2", 2, 2, 10)); // a resend
        ListInbox inbox = new ListInbox(items);
        RunReport r = new EmbeddedEngine(PLAN, EngineOptions.defaults().withDataDir(dir).withInbox(inbox)).run();
        assertThat(r.globals().get("total")).isEqualTo(60L);
        assertThat(inbox.acks).hasSize(7).allMatch(a -> a.startsWith("ack web-")).contains("ack web-2 2");
    }

    @Test
    void gapsSurviveSnapshotsAndReplay(@TempDir Path dir) throws IOException {
        // the first run applies 1 and 9 (a gap 2..8 left), and stops
        new EmbeddedEngine(PLAN, EngineOptions.defaults().withDataDir(dir).withDuration(java.time.Duration.ofMillis(50))
                .withInbox(new ListInbox(List.of(deposit("", 1, 1, 1), deposit("", 9, 1, 9))))).run();
        for (boolean dropSnapshots : new boolean[] {false, true}) {
            if (dropSnapshots) {
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) if (p.getFileName().toString().startsWith("snapshot-")) Files.delete(p);
                }
            }
            Files.deleteIfExists(dir.resolve("report.json"));
            Durability d = Durability.open(dir, PLAN, EngineOptions.defaults());
            Core c = d.restore(PLAN, EngineOptions.defaults());
            d.close();
            assertThat(c.inbox().applied("", 9)).isTrue();
            assertThat(c.inbox().applied("", 5)).as("5 was never applied").isFalse();
            assertThat(c.inbox().applied("", 1)).isTrue();
            assertThat(c.inbox().gaps("")).isEqualTo(2); // 0 and 2..8
        }
    }

    @Test
    void aProducerCannotOpenGapsWithoutBound() {
        InboxPositions positions = new InboxPositions();
        for (int i = 0; i < InboxPositions.MAX_GAPS; i++) positions.apply("p", 2L * i + 1);
        assertThat(positions.gaps("p")).isEqualTo(InboxPositions.MAX_GAPS);
        InboxPositions.Batch b = positions.batch();
        assertThat(b.take("p", 1_000_000)).isEqualTo(InboxPositions.Verdict.REFUSED);
        assertThat(b.why()).contains("already has " + InboxPositions.MAX_GAPS + " gaps");
        // filling a gap, or the next number, is still fine
        assertThat(b.take("p", 2)).isEqualTo(InboxPositions.Verdict.NEW);
        assertThat(b.take("p", 2L * InboxPositions.MAX_GAPS)).isEqualTo(InboxPositions.Verdict.NEW);
        // events acknowledged elsewhere are applied whatever the count
        assertThat(positions.batch(false).take("p", 5_000_000)).isEqualTo(InboxPositions.Verdict.NEW);
    }

    @Test
    void aPartitionReadInOrderKeepsNoGaps() {
        InboxPositions positions = new InboxPositions();
        positions.apply("deposits/0", 0);
        positions.apply("deposits/0", 5); // a transaction marker skipped offsets 1..4
        assertThat(positions.gaps("deposits/0")).isZero();
        assertThat(positions.applied("deposits/0", 3)).isTrue();
        assertThat(positions.batch().take("deposits/0", 3)).isEqualTo(InboxPositions.Verdict.DUPLICATE);
    }

    // --------------------------------------------------------------------------------- damage

    private static List<Inbox.Item> deposits(int from, int to) {
        List<Inbox.Item> out = new ArrayList<>();
        for (int s = from; s <= to; s++) out.add(deposit("", s, s % 10, 1));
        return out;
    }

    /** Feeds the run one event per poll, so that each is its own journal record. */
    static final class OneAtATime implements Inbox {
        private final List<Item> items;
        final List<String> acks = new ArrayList<>();

        OneAtATime(List<Item> items) {
            this.items = new ArrayList<>(items);
        }

        @Override
        public List<Item> poll() {
            return items.isEmpty() ? List.of() : List.of(items.remove(0));
        }

        @Override
        public boolean closed() {
            return items.isEmpty();
        }

        @Override
        public void acknowledge(Item item, String rejection) {
            acks.add(rejection == null ? "ack " + item.seq() : "reject " + item.seq() + ": " + rejection);
        }
    }

    @Test
    void aDamagedJournalIsRefusedUntilToldToGoOnAndThenNothingAfterItIsLostOrShadowed(@TempDir Path dir) throws IOException {
        EngineOptions opts = EngineOptions.defaults().withDataDir(dir).withSnapshotEvery(java.time.Duration.ofHours(1));
        // 300 events, a record each, then the run stops unfinished (a duration, and no report kept)
        new EmbeddedEngine(PLAN, opts.withInbox(new OneAtATime(deposits(1, 300))).withDuration(java.time.Duration.ofSeconds(5))).run();
        Files.delete(dir.resolve("report.json"));
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) if (p.getFileName().toString().startsWith("snapshot-")) Files.delete(p);
        }
        // one flipped byte early in the journal
        JournalTest.flip(dir.resolve("journal.log"), 16 + 12 + 20);
        byte[] damaged = Files.readAllBytes(dir.resolve("journal.log"));

        List<String> notices = new ArrayList<>();
        EngineOptions resume = opts.withNotices(notices::add).withDuration(java.time.Duration.ofSeconds(10));
        assertThatThrownBy(() -> new EmbeddedEngine(PLAN, resume).run())
                .isInstanceOf(Durability.JournalDamaged.class)
                .hasMessageContaining("journal.log is damaged: bytes 16..")
                .hasMessageContaining("299 intact record(s) after them")
                .hasMessageContaining("--accept-journal-damage");
        assertThat(Files.readAllBytes(dir.resolve("journal.log"))).as("a refusal changes nothing").isEqualTo(damaged);

        // told to go on: the 299 intact events are applied, then 200 new ones acknowledged
        OneAtATime more = new OneAtATime(deposits(301, 500));
        RunReport r = new EmbeddedEngine(PLAN, resume.withAcceptJournalDamage(true).withInbox(more)).run();
        assertThat(r.events().get("Bank.Deposit")).isEqualTo(499L);
        assertThat(more.acks).hasSize(200).allMatch(a -> a.startsWith("ack "));
        assertThat(notices).anyMatch(n -> n.contains("going on without them"));
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("journal-damage-"));

        // restored again (snapshot and journal): the same 499, and the lost event (seq 1) may be resent
        Files.delete(dir.resolve("report.json"));
        Durability d = Durability.open(dir, PLAN, EngineOptions.defaults());
        Core c = d.restore(PLAN, EngineOptions.defaults());
        d.close();
        assertThat(c.stats().eventsEmitted).isGreaterThanOrEqualTo(0);
        assertThat(c.inbox().applied("", 500)).isTrue();
        assertThat(c.inbox().applied("", 1)).as("the damaged record's event was never applied").isFalse();
        assertThat(c.globals().get("total")).isEqualTo(499L);
    }

    @Test
    void aSnapshotPastTheJournalsEndDoesNotShadowEventsAppendedAfterACut(@TempDir Path dir) throws IOException {
        EngineOptions opts = EngineOptions.defaults().withDataDir(dir).withSnapshotEvery(java.time.Duration.ofMillis(10));
        new EmbeddedEngine(PLAN, opts.withInbox(new OneAtATime(deposits(1, 50))).withDuration(java.time.Duration.ofSeconds(2))).run();
        Files.delete(dir.resolve("report.json"));
        // the journal loses its last records (a disk that lied about a sync): the snapshots include more than it has
        long size = Files.size(dir.resolve("journal.log"));
        try (var ch = java.nio.channels.FileChannel.open(dir.resolve("journal.log"), java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size - 200);
        }
        List<String> notices = new ArrayList<>();
        OneAtATime more = new OneAtATime(deposits(51, 80));
        RunReport r = new EmbeddedEngine(PLAN, opts.withNotices(notices::add).withInbox(more).withDuration(java.time.Duration.ofSeconds(4))).run();
        assertThat(r.globals().get("total")).isEqualTo(80L);
        assertThat(notices).anyMatch(n -> n.contains("padded it"));
        // a later restore from the final snapshot's predecessor replays the 30 new events, none skipped
        Files.delete(dir.resolve("report.json"));
        try (var s = Files.list(dir)) {
            List<Path> snaps = s.filter(p -> p.getFileName().toString().startsWith("snapshot-")).sorted().toList();
            Files.delete(snaps.get(snaps.size() - 1));
        }
        Durability d = Durability.open(dir, PLAN, EngineOptions.defaults());
        Core c = d.restore(PLAN, EngineOptions.defaults());
        d.close();
        assertThat(c.globals().get("total")).isEqualTo(80L);
        assertThat(Map.copyOf(c.inboxPositions())).containsEntry("", 80L);
    }
}
