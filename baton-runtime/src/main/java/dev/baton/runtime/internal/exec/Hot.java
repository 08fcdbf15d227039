package dev.baton.runtime.internal.exec;

import dev.baton.runtime.DecisionProvider;
import dev.baton.runtime.Faults;
import dev.baton.runtime.HotStore;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.StateMap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Hot modules: modules a run keeps on the state store ({@link HotStore}) instead of in its core.
 * The core still decides <em>when</em> each call reaches such a module — a call's delivery is a
 * task on its timeline like any other — but the module's endpoint runs elsewhere, in a
 * {@link Host}: a core of its own holding nothing but the module's record, loaded from the store,
 * run, and written back by compare-and-set, the outcome of each call recorded with it. The run's
 * core then does what the call did on its side — the workflows it started, the reply, the counters
 * and errors — and keeps a copy of the module's state and globals (its <em>mirror</em>), which the
 * rest of the run reads. Both sides follow the same code as a call inside the core, so a run with
 * hot modules ends exactly as one without: the same trace.
 *
 * <p>Batches: when the core reaches a call to a hot module whose outcome it does not know, it asks
 * its {@link Runner} for the outcomes of every such call due at that engine time, in timeline
 * order — one transaction on the store for all of them. A runner that cannot answer at once (on
 * Temporal: a local activity) makes the core hold until it is told ({@link Core#hotTold}).
 */
public final class Hot {
    private Hot() {
    }

    /** True when in a run with {@code faults} a fault may crash {@code module} (a crash resets an instance in a run, not a record on the store). */
    public static boolean mayCrash(Plan plan, Faults faults, String module) {
        if (faults.crashes() > 0 && (faults.crashModule() == null || faults.crashModule().equals(module))) return true;
        for (Plan.FaultPlan f : plan.faults) if (plan.modules.get(f.module()).name.equals(module)) return true;
        return false;
    }

    /** Runs batches of calls to hot modules for a core. */
    public interface Runner {
        /** The outcomes of {@code batch} (see {@link Core#hotBatch}), or null when they are not known yet: the core holds. */
        byte[] run(byte[] batch);
    }

    /** The record of a hot module's instance and owned globals, encoded. */
    static byte[] record(Core c, int inst, List<String> owned) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            Inst i = c.instances.all[inst];
            out.writeInt(owned.size());
            for (String g : owned) ValueCodec.write(out, c.global(g));
            out.writeInt(i.state.length);
            for (Object v : i.state) ValueCodec.write(out, v);
            CoreCodec.writeCallRecords(out, i);
            out.writeInt(i.keyed.size());
            for (Map.Entry<String, Object> e : i.keyed.entrySet()) {
                ValueCodec.writeString(out, e.getKey());
                ValueCodec.write(out, e.getValue());
            }
            out.writeInt(i.fences.size());
            for (Map.Entry<String, Long> e : i.fences.entrySet()) {
                ValueCodec.writeString(out, e.getKey());
                out.writeLong(e.getValue());
            }
            out.writeLong(i.handled);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static void load(Core c, int inst, List<String> owned, byte[] record) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(record))) {
            Inst i = c.instances.all[inst];
            int ng = in.readInt();
            if (ng != owned.size()) throw new IOException("the record has " + ng + " globals, the module owns " + owned.size());
            for (String g : owned) c.store.put(g, ValueCodec.read(in));
            int ns = in.readInt();
            if (ns != i.state.length) throw new IOException("the record has " + ns + " state variables, the module " + i.state.length);
            for (int k = 0; k < ns; k++) i.state[k] = ValueCodec.read(in);
            CoreCodec.readCallRecords(in, i);
            i.keyed.clear();
            int nk = in.readInt();
            for (int k = 0; k < nk; k++) i.keyed.put(ValueCodec.readString(in), ValueCodec.read(in));
            i.fences.clear();
            int nf = in.readInt();
            for (int k = 0; k < nf; k++) i.fences.put(ValueCodec.readString(in), in.readLong());
            i.handled = in.readLong();
        } catch (IOException e) {
            throw new IllegalStateException("a hot module's record does not fit the program: " + e.getMessage(), e);
        }
    }

    /** A value as the record holds it: a state map as its persistent map. */
    static Object plain(Object v) {
        return v instanceof StateMap m ? m.freeze() : v;
    }

    /**
     * Executes the calls to one hot module, against its record: a core of its own (no ticks, loads
     * or faults) in which the module's instance answers each call as it would inside the run.
     */
    public static final class Host {
        private final Core core;
        private final int inst;
        private final List<String> owned;
        private final byte[] initial;
        private long version = -1;

        /** A host for {@code module} (one of {@code plan.storable}) of a run with {@code seed}. */
        public Host(Plan plan, long seed, DecisionProvider decisions, String module) {
            java.util.Set<String> owns = plan.storable.get(module);
            if (owns == null) throw new IllegalArgumentException(module + " cannot live on the state store");
            this.core = new Core(plan, seed, Faults.NONE, decisions);
            this.inst = core.instances.first[plan.moduleIndex(module)];
            this.owned = List.copyOf(owns);
            core.host(inst);
            this.initial = record(core, inst, owned);
        }

        /**
         * Runs batch {@code batch} (its number: grows per writer) of {@code writer} against the record
         * under {@code key} in {@code store}: the outcomes stored for it if it was applied already,
         * else applied now in one compare-and-set (again from a fresh read while another writer got
         * there first). Outcomes of {@code writer}'s batches below {@code oldest} are forgotten.
         */
        public synchronized byte[] transact(HotStore store, String key, String writer, long batch, long oldest, byte[] calls) {
            while (true) {
                byte[] done = store.outcomes(key, writer, batch);
                if (done != null) return done;
                HotStore.Versioned v = store.readRecord(key);
                if (v.version() != version) load(core, inst, owned, v.data() == null ? initial : v.data());
                // from here the host's state is the record's only once a commit makes it so (a failed or
                // refused commit, or a store that throws, leaves it to be read again)
                version = -1;
                byte[] out = core.hostRun(calls);
                if (store.commit(key, v.version(), record(core, inst, owned), writer, batch, out, oldest)) {
                    version = v.version() + 1;
                    return out;
                }
            }
        }
    }

    /**
     * The hosts of a run's hot modules (one each, made when first needed): a batch is split by
     * module, each part one transaction on that module's record, {@code PREFIX:MODULE}.
     */
    public static final class Hosts {
        private final Plan plan;
        private final long seed;
        private final DecisionProvider decisions;
        private final Map<Integer, Host> hosts = new TreeMap<>();
        /** The module of each single-instance module's instance, by instance index. */
        private final Map<Integer, String> singles = new TreeMap<>();

        public Hosts(Plan plan, long seed, DecisionProvider decisions) {
            this.plan = plan;
            this.seed = seed;
            this.decisions = decisions;
            int first = 0;
            for (Plan.ModulePlan m : plan.modules) {
                if (m.keys.size() == 1) singles.put(first, m.name);
                first += m.keys.size();
            }
        }

        /**
         * Runs {@code batch} for {@code writer} (a run): its number is its first call's place on the
         * run's timeline, so a batch sent again is recognised; {@code oldest}: the lowest batch number
         * the writer may still send again.
         */
        public synchronized byte[] run(HotStore store, String prefix, String writer, long oldest, byte[] batch) {
            List<Delivery> calls = decodeBatch(batch);
            if (calls.isEmpty()) return encodeOutcomes(new TreeMap<>());
            long number = calls.get(0).seq();
            Map<Integer, List<Delivery>> byModule = new TreeMap<>();
            for (Delivery d : calls) {
                host(d.target());
                byModule.computeIfAbsent(d.target(), k -> new ArrayList<>()).add(d);
            }
            TreeMap<Long, Outcome> out = new TreeMap<>();
            for (Map.Entry<Integer, List<Delivery>> e : byModule.entrySet()) {
                String module = singles.get(e.getKey());
                out.putAll(decodeOutcomes(hosts.get(e.getKey()).transact(store, prefix + ":" + module, writer, number, oldest, encodeBatch(e.getValue()))));
            }
            return encodeOutcomes(out);
        }

        private void host(int inst) {
            if (hosts.containsKey(inst)) return;
            String module = singles.get(inst);
            if (module == null) throw new IllegalArgumentException("instance " + inst + " is not a single-instance module's");
            hosts.put(inst, new Host(plan, seed, decisions, module));
        }
    }

    /** A runner that answers at once from {@code store} (the embedded engine's, and tests'). */
    public static Runner local(Hosts hosts, HotStore store, String prefix, String writer) {
        // in one process no batch is sent twice: only the last one's outcomes are kept
        return batch -> hosts.run(store, prefix, writer, batchNumber(batch), batch);
    }

    /** A batch's number: its first call's place on the run's timeline (grows from batch to batch). */
    public static long batchNumber(byte[] batch) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(batch))) {
            return in.readInt() == 0 ? 0 : in.readLong(); // the count, then the first call's place
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A hot module's record as plain values (see {@link dev.baton.runtime.Json#toPlain}): {@code globals} (the
     * globals it owns) and {@code state} (its state variables), by name; null data: the initial record.
     */
    public static Map<String, Object> view(Plan plan, String module, byte[] data) {
        Host h = new Host(plan, 0, new dev.baton.runtime.PolicyProvider(), module);
        load(h.core, h.inst, h.owned, data == null ? h.initial : data);
        Map<String, Object> globals = new java.util.LinkedHashMap<>();
        for (String g : h.owned) globals.put(g, dev.baton.runtime.Json.toPlain(h.core.global(g)));
        Map<String, Object> state = new java.util.LinkedHashMap<>();
        Inst i = h.core.instances.all[h.inst];
        List<String> names = plan.modules.get(i.module).stateNames;
        for (int k = 0; k < names.size(); k++) state.put(names.get(k), dev.baton.runtime.Json.toPlain(plain(i.state[k])));
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("globals", globals);
        out.put("state", state);
        return out;
    }

    /** Calls to hot modules waiting for their batch: one per delivery, in timeline order. */
    record Delivery(long seq, long time, int target, Msg msg) {
    }

    static byte[] encodeBatch(List<Delivery> ds) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(ds.size());
            for (Delivery d : ds) {
                out.writeLong(d.seq());
                out.writeLong(d.time());
                out.writeInt(d.target());
                ValueCodec.write(out, d.msg());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<Delivery> decodeBatch(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            int n = in.readInt();
            List<Delivery> out = new ArrayList<>(n);
            for (int k = 0; k < n; k++) out.add(new Delivery(in.readLong(), in.readLong(), in.readInt(), (Msg) ValueCodec.read(in)));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An error a call recorded; {@code declared}: a declared failure ({@code Fail}), else a runtime error. */
    record Recorded(Core.RunError error, boolean declared) {
    }

    /** A workflow a hot endpoint started. */
    record Start(int workflow, Object args, Object id) {
    }

    /**
     * What one call did on the module's side, for the run's core to do on its own: whether a
     * handler ran, the workflows it started, the globals and state variables it changed (their new
     * values), the counters it moved, the errors it recorded, and its reply (null: none was sent).
     */
    static final class Outcome {
        boolean ran;
        final List<Start> starts = new ArrayList<>();
        final TreeMap<String, Object> globals = new TreeMap<>();
        final TreeMap<Integer, Object> state = new TreeMap<>();
        final TreeMap<String, Long> stats = new TreeMap<>();
        /** Runtime errors and declared failures, in the order recorded. */
        final List<Recorded> errors = new ArrayList<>();
        Object reply;
    }

    static byte[] encodeOutcomes(TreeMap<Long, Outcome> outcomes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(outcomes.size());
            for (Map.Entry<Long, Outcome> e : outcomes.entrySet()) {
                Outcome o = e.getValue();
                out.writeLong(e.getKey());
                out.writeBoolean(o.ran);
                out.writeInt(o.starts.size());
                for (Start s : o.starts) {
                    out.writeInt(s.workflow());
                    ValueCodec.write(out, s.args());
                    ValueCodec.write(out, s.id());
                }
                out.writeInt(o.globals.size());
                for (Map.Entry<String, Object> g : o.globals.entrySet()) {
                    ValueCodec.writeString(out, g.getKey());
                    ValueCodec.write(out, g.getValue());
                }
                out.writeInt(o.state.size());
                for (Map.Entry<Integer, Object> s : o.state.entrySet()) {
                    out.writeInt(s.getKey());
                    ValueCodec.write(out, s.getValue());
                }
                out.writeInt(o.stats.size());
                for (Map.Entry<String, Long> s : o.stats.entrySet()) {
                    ValueCodec.writeString(out, s.getKey());
                    out.writeLong(s.getValue());
                }
                out.writeInt(o.errors.size());
                for (Recorded rec : o.errors) {
                    Core.RunError r = rec.error();
                    out.writeBoolean(rec.declared());
                    ValueCodec.writeString(out, r.position());
                    ValueCodec.writeString(out, r.owner());
                    ValueCodec.writeString(out, r.message());
                    out.writeLong(r.time());
                }
                ValueCodec.write(out, o.reply);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static TreeMap<Long, Outcome> decodeOutcomes(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            TreeMap<Long, Outcome> out = new TreeMap<>();
            int n = in.readInt();
            for (int k = 0; k < n; k++) {
                long seq = in.readLong();
                Outcome o = new Outcome();
                o.ran = in.readBoolean();
                int ns = in.readInt();
                for (int j = 0; j < ns; j++) o.starts.add(new Start(in.readInt(), ValueCodec.read(in), ValueCodec.read(in)));
                int ng = in.readInt();
                for (int j = 0; j < ng; j++) o.globals.put(ValueCodec.readString(in), ValueCodec.read(in));
                int nst = in.readInt();
                for (int j = 0; j < nst; j++) o.state.put(in.readInt(), ValueCodec.read(in));
                int nc = in.readInt();
                for (int j = 0; j < nc; j++) o.stats.put(ValueCodec.readString(in), in.readLong());
                int ne = in.readInt();
                for (int j = 0; j < ne; j++) {
                    boolean declared = in.readBoolean();
                    o.errors.add(new Recorded(new Core.RunError(ValueCodec.readString(in), ValueCodec.readString(in), ValueCodec.readString(in), in.readLong()), declared));
                }
                o.reply = ValueCodec.read(in);
                out.put(seq, o);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
