package dev.baton.runtime.internal.exec;

import dev.baton.runtime.Inbox;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which sequence numbers of each inbox source the run has applied — what makes a resent
 * external event a duplicate rather than a second event (see {@link Inbox}).
 *
 * <h2>Two kinds of source</h2>
 * <ul>
 *   <li>A <em>partition</em> of a transport that delivers in order (a Kafka {@code topic/partition}:
 *       a name with a {@code /}): only the last applied sequence is kept; anything at or below it
 *       is a duplicate. Its gaps (transaction markers, compaction) are not events.</li>
 *   <li>A <em>producer</em> (any other name): its sequence numbers should grow, but may arrive
 *       out of order (several threads, a retry after a timeout). Besides the highest applied, the
 *       numbers skipped below it are kept as <em>gaps</em>; a number in a gap is a new event and is
 *       applied (exactly once), a number at or below the highest and in no gap is a duplicate.
 *       So "acknowledged" always means "applied, now or before", never "dropped".</li>
 * </ul>
 * Everything here is a deterministic function of the events applied in order, so a replayed
 * journal and a restored snapshot arrive at the same positions.
 */
public final class InboxPositions {
    /** Gaps a producer may leave open; an event that would open one more is refused (by whoever accepts it). */
    public static final int MAX_GAPS = 10_000;
    /** Distinct producers a run keeps positions for; an event of one more is refused. */
    public static final int MAX_SOURCES = 10_000;

    private static final class Source {
        long max = -1;
        /** Gaps below {@code max}: first → last (inclusive), never applied. Empty for partitions. */
        final TreeMap<Long, Long> gaps = new TreeMap<>();
    }

    private final TreeMap<String, Source> sources = new TreeMap<>();

    /** True when {@code source} is a transport's partition, read in order (its name has a '/'). */
    public static boolean inOrder(String source) {
        return source.indexOf('/') >= 0;
    }

    /** True when the run has applied {@code seq} of {@code source}. */
    public boolean applied(String source, long seq) {
        Source s = sources.get(source);
        if (s == null || seq > s.max) return false;
        if (inOrder(source)) return true;
        Map.Entry<Long, Long> gap = s.gaps.floorEntry(seq);
        return gap == null || gap.getValue() < seq;
    }

    /** What {@link Batch#take} says of an event. */
    public enum Verdict { NEW, DUPLICATE, REFUSED }

    /**
     * Starts judging a batch of events before any of it is applied: each {@link Batch#take}
     * counts the events taken before it in the batch as if applied (a duplicate within the
     * batch is a duplicate; gaps and producers it opens count toward the limits).
     */
    public Batch batch() {
        return batch(true);
    }

    /** A batch judged with the limits on gaps and producers ({@code limits} true) or without (events acknowledged already). */
    public Batch batch(boolean limits) {
        return new Batch(limits);
    }

    /** A batch being judged; see {@link #batch}. */
    public final class Batch {
        private final Map<String, TreeMap<Long, Boolean>> taken = new java.util.HashMap<>();
        private final Map<String, long[]> state = new java.util.HashMap<>(); // source → {highest, gaps opened}
        private int newSources;
        private String why;
        private final boolean limits;

        private Batch(boolean limits) {
            this.limits = limits;
        }

        /** Judges the next event of the batch; when REFUSED, {@link #why} says why. */
        public Verdict take(String source, long seq) {
            why = null;
            if (seq < 0) {
                why = "seq " + seq + " is negative: sequence numbers count up from 0 or 1";
                return Verdict.REFUSED;
            }
            TreeMap<Long, Boolean> mine = taken.computeIfAbsent(source, k -> new TreeMap<>());
            if (applied(source, seq) || mine.containsKey(seq)) return Verdict.DUPLICATE;
            long[] st = state.get(source);
            if (st == null) {
                if (limits && !sources.containsKey(source) && sources.size() + newSources >= MAX_SOURCES) {
                    why = "the run already keeps positions for " + MAX_SOURCES + " producers; reuse a producer name";
                    return Verdict.REFUSED;
                }
                st = new long[] {last(source), 0};
            }
            if (inOrder(source) && seq <= st[0]) return Verdict.DUPLICATE;
            if (limits && !inOrder(source) && seq > st[0] + 1 && gaps(source) + st[1] >= MAX_GAPS) {
                why = "seq " + seq + " would leave a gap after " + st[0] + ", and producer '" + source + "' already has " + MAX_GAPS
                        + " gaps in its sequence: send the missing numbers first, or number events without gaps";
                return Verdict.REFUSED;
            }
            if (!state.containsKey(source) && !sources.containsKey(source)) newSources++;
            if (!inOrder(source) && seq > st[0] + 1) st[1]++;
            st[0] = Math.max(st[0], seq);
            state.put(source, st);
            mine.put(seq, Boolean.TRUE);
            return Verdict.NEW;
        }

        /** Why the last {@link #take} refused its event. */
        public String why() {
            return why;
        }
    }

    /** Records {@code seq} of {@code source} as applied; false when it already was (a duplicate). */
    public boolean apply(String source, long seq) {
        if (applied(source, seq)) return false;
        Source s = sources.computeIfAbsent(source, k -> new Source());
        if (inOrder(source)) {
            s.max = seq;
            return true;
        }
        if (seq > s.max) {
            if (seq > s.max + 1) s.gaps.put(s.max + 1, seq - 1);
            s.max = seq;
            return true;
        }
        // fills (part of) a gap
        Map.Entry<Long, Long> gap = s.gaps.floorEntry(seq);
        long from = gap.getKey();
        long to = gap.getValue();
        s.gaps.remove(from);
        if (from < seq) s.gaps.put(from, seq - 1);
        if (seq < to) s.gaps.put(seq + 1, to);
        return true;
    }

    /** The highest applied sequence of every source. */
    public Map<String, Long> last() {
        TreeMap<String, Long> out = new TreeMap<>();
        sources.forEach((k, s) -> out.put(k, s.max));
        return out;
    }

    /** The highest applied sequence of {@code source}, or -1. */
    public long last(String source) {
        Source s = sources.get(source);
        return s == null ? -1 : s.max;
    }

    /** Gaps open in {@code source}'s sequence. */
    public int gaps(String source) {
        Source s = sources.get(source);
        return s == null ? 0 : s.gaps.size();
    }

    public boolean isEmpty() {
        return sources.isEmpty();
    }

    /** Written as: sources; each its name, highest, gap count and gaps (format 6 of the snapshot). */
    void write(DataOutputStream out) throws IOException {
        out.writeInt(sources.size());
        for (Map.Entry<String, Source> e : sources.entrySet()) {
            ValueCodec.writeString(out, e.getKey());
            out.writeLong(e.getValue().max);
            out.writeInt(e.getValue().gaps.size());
            for (Map.Entry<Long, Long> g : e.getValue().gaps.entrySet()) {
                out.writeLong(g.getKey());
                out.writeLong(g.getValue());
            }
        }
    }

    /** Reads what {@link #write} wrote; {@code withGaps} false for snapshots before format 6 (only the highest of each). */
    void read(DataInputStream in, boolean withGaps) throws IOException {
        sources.clear();
        int n = in.readInt();
        for (int k = 0; k < n; k++) {
            String name = ValueCodec.readString(in);
            Source s = new Source();
            s.max = in.readLong();
            if (withGaps) {
                int gaps = in.readInt();
                for (int g = 0; g < gaps; g++) s.gaps.put(in.readLong(), in.readLong());
            }
            sources.put(name, s);
        }
    }
}
