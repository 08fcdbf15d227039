package dev.baton.temporal;

import dev.baton.runtime.Inbox;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignalBatcherTest {
    private static final long MS = 1_000_000L;

    private static Inbox.Item item(long seq, int payloadBytes) {
        return new Inbox.Item(seq, "E.V", "\"" + "x".repeat(Math.max(0, payloadBytes - 2)) + "\"");
    }

    @Test
    void aTrickleIsCoalescedToOneSignalPerInterval() {
        SignalBatcher b = new SignalBatcher(100 * MS, 512 * 1024, 10_000);
        List<SignalBatcher.Batch> sent = new ArrayList<>();
        // 2 events every 20 ms for one second
        for (long t = 0, seq = 1; t < 1000; t += 20) {
            for (int i = 0; i < 2; i++) assertThat(b.add(item(seq++, 50))).isNull();
            SignalBatcher.Batch batch = b.due(t * MS, false);
            if (batch != null) {
                sent.add(batch);
                b.sent(t * MS);
            }
        }
        SignalBatcher.Batch last = b.due(1000 * MS, true);
        if (last != null) sent.add(last);
        assertThat(sent).hasSizeBetween(10, 11);
        assertThat(sent.stream().mapToInt(x -> x.items().size()).sum()).isEqualTo(100);
        List<Long> seqs = sent.stream().flatMap(x -> x.items().stream()).map(i -> i.seq).toList();
        assertThat(seqs).isSorted().doesNotHaveDuplicates();
        assertThat(sent.get(0).sources()).hasSameSizeAs(sent.get(0).items());
    }

    @Test
    void aFloodLeavesInFullBatchesBelowTheByteAndCountLimits() {
        SignalBatcher b = new SignalBatcher(100 * MS, 10_000, 50);
        List<SignalBatcher.Batch> sent = new ArrayList<>();
        for (long seq = 1; seq <= 1000; seq++) {
            SignalBatcher.Batch full = b.add(item(seq, seq % 3 == 0 ? 900 : 100));
            if (full != null) sent.add(full);
        }
        sent.add(b.due(0, true));
        assertThat(sent.stream().mapToInt(x -> x.items().size()).sum()).isEqualTo(1000);
        for (SignalBatcher.Batch batch : sent) {
            assertThat(batch.items()).hasSizeLessThanOrEqualTo(50);
            long bytes = 0;
            for (Inbox.Item i : batch.sources()) bytes += SignalBatcher.size(i);
            assertThat(bytes).isLessThanOrEqualTo(10_000);
        }
        assertThat(b.isEmpty()).isTrue();
        assertThat(b.due(0, true)).isNull();
    }

    @Test
    void anEventLargerThanASignalIsRefusedWithItsSize() {
        SignalBatcher b = new SignalBatcher(100 * MS, 4096, 10);
        assertThatThrownBy(() -> b.add(item(1, 10_000))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the event is 9 KiB, more than a signal to the Temporal run may carry (4 KiB)");
        assertThat(b.isEmpty()).isTrue();
    }
}
