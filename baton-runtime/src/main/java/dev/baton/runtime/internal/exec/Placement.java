package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.None;

import java.util.Collection;
import java.util.TreeMap;

/**
 * Where a core's instances live: all of them here ({@link #ALL}, the default), or — for a run
 * spread over several cores — only this partition's ({@link Partition}).
 *
 * <h2>Design</h2>
 * A strategy plugged into the parts it changes: {@link Instances} and {@link Events} ask
 * {@link #here} before they deliver or tick, {@link Events} whether an emission is this core's to
 * count and publish, {@link Calls} what a workflow's caller identity starts with. Every
 * partition runs the loads (their events reach the instances it keeps); partition 0 counts and
 * publishes them, and takes in what the others did at the end ({@link #absorb}).
 *
 * <p>Owns: which instances are here, and the partition's index. Must not move instances.
 */
class Placement {
    /** One core, every instance in it. */
    static final Placement ALL = new Placement();

    /** True when instance {@code inst} lives in this core. */
    boolean here(int inst) {
        return true;
    }

    /** True when an event emitted by {@code f} (null: from outside) is this core's to count and publish. */
    boolean counts(Fiber f) {
        return true;
    }

    /** The number an emission ({@code n}-th of this core) is published under. */
    long publishedNumber(long n) {
        return n;
    }

    /** What a workflow's caller identity starts with (calls from different partitions stay apart). */
    String callerPrefix() {
        return "";
    }

    /** {@code n} events a load generated here. */
    void loaded(Core core, long n) {
        core.stats.loadEvents += n;
    }

    /** Partition {@code p} of {@code n}: of each module in {@code partitioned} it keeps the instances whose place is {@code p} modulo {@code n}. */
    static Placement of(Core core, int p, int n, Collection<String> partitioned) {
        if (n < 1 || p < 0 || p >= n) throw new IllegalArgumentException("partition " + p + " of " + n);
        if (n == 1) return ALL;
        Instances instances = core.instances;
        boolean[] away = new boolean[instances.all.length];
        for (Plan.ModulePlan m : core.plan.modules) {
            boolean split = partitioned.contains(m.name);
            for (int k = 0; k < m.keys.size(); k++) away[instances.first[m.index] + k] = split ? k % n != p : p != 0;
        }
        return new Partition(p, away);
    }

    /** One of several partitions of a run. */
    static final class Partition extends Placement {
        private final int index;
        private final boolean[] away;

        Partition(int index, boolean[] away) {
            this.index = index;
            this.away = away;
        }

        @Override
        boolean here(int inst) {
            return !away[inst];
        }

        @Override
        boolean counts(Fiber f) {
            return index == 0 || f == null || f.owner != Fiber.Owner.LOAD;
        }

        @Override
        long publishedNumber(long n) {
            return ((long) index << 40) + n;
        }

        @Override
        String callerPrefix() {
            return index > 0 ? "p" + index + "/" : "";
        }

        @Override
        void loaded(Core core, long n) {
            if (index == 0) core.stats.loadEvents += n;
        }
    }

    /** What this core did, for partition 0 to {@link #absorb}: its instances' states, counters, errors, workflows. */
    static byte[] result(Core core) {
        Placement where = core.placement;
        Inst[] insts = core.instances.all;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            int kept = 0;
            for (Inst i : insts) if (where.here(i.index)) kept++;
            out.writeInt(kept);
            for (Inst i : insts) {
                if (!where.here(i.index)) continue;
                out.writeInt(i.index);
                out.writeLong(i.handled);
                out.writeInt(i.state.length);
                for (Object v : i.state) ValueCodec.write(out, v);
            }
            Detached.Outcome summary = new Detached.Outcome("PARTITION", None.NONE, core.timeline.now, core.stats, core.errors, core.failures,
                    new TreeMap<>(core.workflows.byStatus()));
            CoreCodec.writeOutcome(summary, out);
            long[] counts = core.events.counts;
            out.writeInt(counts.length);
            for (long c : counts) out.writeLong(c);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** In partition 0: takes in what another partition did (its instances' states replace this core's copies). */
    static void absorb(Core core, byte[] result) {
        Placement where = core.placement;
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(result))) {
            int kept = in.readInt();
            for (int k = 0; k < kept; k++) {
                Inst i = core.instances.all[in.readInt()];
                long handled = in.readLong();
                int ns = in.readInt();
                Object[] state = new Object[ns];
                for (int s = 0; s < ns; s++) state[s] = ValueCodec.read(in);
                if (where != ALL && where.here(i.index)) continue; // this partition's own (a hot module's copy, say)
                i.handled = handled;
                i.state = state;
            }
            core.absorbOutcome(CoreCodec.readOutcome(in));
            long[] counts = core.events.counts;
            int ne = in.readInt();
            for (int e = 0; e < ne && e < counts.length; e++) counts[e] += in.readLong();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
