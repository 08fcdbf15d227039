package dev.baton.runtime.internal.exec;

import dev.baton.runtime.DecisionProvider;
import dev.baton.runtime.Faults;
import dev.baton.runtime.plan.Body;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.LockFrame;
import dev.baton.runtime.plan.SagaFrame;
import dev.baton.runtime.plan.Plan;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes and reads a whole {@link Core} — timeline, instances, fibers, workflows, waits,
 * de-duplication tables, counters — so that a restored core continues exactly as the
 * original would have (same tasks, same order, same trace hash).
 */
public final class CoreCodec {
    // 4: inbox positions per source; 5: workflows run apart; 6: producers' gaps; 7: what each wait is on; 8: shared forks;
    // 9: the program each workflow running apart under an earlier version runs (written only when there is one)
    private static final int FORMAT = 9;
    private static final int FORMAT_WITHOUT_PINNED = 8;

    private CoreCodec() {
    }

    public static void write(Core c, DataOutputStream out) throws IOException {
        Map<String, String> pinned = new TreeMap<>(); // run apart -> digest of the program it runs under
        for (Detached d : c.apart.runs.values()) if (d.pinned != null && d.pinned != c.plan) pinned.put(d.id, d.pinned.digest);
        out.writeInt(pinned.isEmpty() ? FORMAT_WITHOUT_PINNED : FORMAT);
        ValueCodec.writeString(out, c.plan.digest);
        out.writeLong(c.seed);
        out.writeLong(c.timeline.now);
        out.writeLong(c.timeline.taskSeq);
        out.writeLong(c.timeline.fiberSeq);
        out.writeLong(c.timeline.tokenSeq);
        out.writeLong(c.timeline.wfSeq);
        out.writeLong(c.timeline.rng);
        out.writeLong(c.timeline.trace);
        c.inboxPositions.write(out);
        writeStats(c.stats, out);
        writeCounts(extraStats(c.stats), out);
        writeErrors(c.errors, out);
        writeErrors(c.failures, out);
        writeMap(out, c.store.all());
        // every live fiber, once
        Map<Long, Fiber> fibers = new TreeMap<>();
        for (Fiber f : c.waits.fibers()) fibers.put(f.id, f);
        for (Inst i : c.instances.all) if (i.current != null) fibers.put(i.current.id, i.current);
        for (Wf w : c.workflows.all.values()) if (w.fiber != null) fibers.put(w.fiber.id, w.fiber);
        out.writeInt(fibers.size());
        for (Fiber f : fibers.values()) writeFiber(out, f);
        out.writeInt(c.instances.all.length);
        for (Inst i : c.instances.all) {
            out.writeInt(i.state.length);
            for (Object v : i.state) ValueCodec.write(out, v);
            out.writeInt(i.mailbox.size());
            for (Msg m : i.mailbox) ValueCodec.write(out, m);
            out.writeLong(i.current == null ? 0 : i.current.id);
            ValueCodec.write(out, i.currentMsg);
            out.writeLong(i.callSeqAtStart);
            out.writeLong(i.epoch);
            out.writeLong(i.callSeq);
            out.writeBoolean(i.crashed);
            writeCallRecords(out, i);
            writeMap(out, i.keyed); // sorted
            out.writeInt(i.fences.size());
            for (Map.Entry<String, Long> e : i.fences.entrySet()) { // sorted
                ValueCodec.writeString(out, e.getKey());
                out.writeLong(e.getValue());
            }
            out.writeInt(i.ticksQueued.length);
            for (int q : i.ticksQueued) out.writeInt(q);
            out.writeLong(i.handled);
            ValueCodec.writeString(out, i.lifecycle);
        }
        out.writeInt(c.workflows.all.size());
        for (Wf w : c.workflows.all.values()) {
            ValueCodec.writeString(out, w.id);
            out.writeInt(w.workflow);
            ValueCodec.writeString(out, w.status);
            out.writeLong(w.fiber == null ? 0 : w.fiber.id);
            ValueCodec.write(out, w.result);
            ValueCodec.write(out, w.error);
            out.writeLong(w.callSeq);
            out.writeLong(w.startedAt);
            out.writeBoolean(w.timedWait);
            ValueCodec.write(out, w.parent);
            out.writeLong(w.parentFiber);
            out.writeLong(w.parentToken);
            out.writeInt(w.depth);
            out.writeLong(w.childrenStarted);
            writeStrings(out, new ArrayList<>(w.children));
        }
        List<Long> suspendedIds = new ArrayList<>();
        for (Fiber f : c.waits.fibers()) suspendedIds.add(f.id);
        suspendedIds.sort(null);
        out.writeInt(suspendedIds.size());
        for (long id : suspendedIds) out.writeLong(id);
        Map<Long, Calls.Pending> pending = new TreeMap<>(c.calls.pending);
        out.writeInt(pending.size());
        for (Calls.Pending p : pending.values()) {
            out.writeLong(p.fiber());
            out.writeLong(p.token());
            out.writeInt(p.target());
            ValueCodec.write(out, p.msg());
            out.writeInt(p.attemptsLeft());
            out.writeLong(p.backoffMs());
            out.writeLong(p.timeoutMs());
            out.writeBoolean(p.persistent());
            out.writeBoolean(p.retryFailures());
        }
        Map<Long, Msg> calls = new TreeMap<>(c.calls.callMsgs);
        out.writeInt(calls.size());
        for (Map.Entry<Long, Msg> e : calls.entrySet()) {
            out.writeLong(e.getKey());
            ValueCodec.write(out, e.getValue());
        }
        out.writeInt(c.workflows.waiters.size());
        for (List<Workflows.Waiter> ws : c.workflows.waiters) {
            out.writeInt(ws.size());
            for (Workflows.Waiter w : ws) {
                out.writeLong(w.fiber());
                out.writeLong(w.token());
            }
        }
        List<Task> tasks = c.timeline.tasks.sorted();
        out.writeInt(tasks.size());
        for (Task t : tasks) {
            out.writeLong(t.time());
            out.writeLong(t.seq());
            out.writeByte(t.kind());
            out.writeInt(t.target());
            out.writeLong(t.fiber());
            out.writeLong(t.token());
            ValueCodec.write(out, t.value());
        }
        out.writeInt(c.events.counts.length);
        for (long n : c.events.counts) out.writeLong(n);
        out.writeInt(c.loads.emitted.length);
        for (int i = 0; i < c.loads.emitted.length; i++) {
            out.writeLong(c.loads.emitted[i]);
            out.writeDouble(c.loads.carry[i]);
            out.writeBoolean(c.loads.done[i]);
        }
        out.writeLong(c.locks.fenceSeq);
        writeMap(out, c.network.discarded);
        out.writeInt(c.locks.held.size());
        for (Map.Entry<String, Locks.Holder> e : c.locks.held.entrySet()) {
            ValueCodec.writeString(out, e.getKey());
            out.writeLong(e.getValue().fiber());
            out.writeLong(e.getValue().token());
            out.writeLong(e.getValue().expiresAt());
        }
        out.writeInt(c.locks.queue.size());
        for (Locks.LockRequest r : c.locks.queue) {
            out.writeLong(r.fiber());
            out.writeLong(r.token());
            writeStrings(out, r.keys());
            out.writeLong(r.leaseMs());
        }
        out.writeInt(c.joins.open.size());
        for (Joins.JoinState j : c.joins.open.values()) {
            out.writeLong(j.parentFiber);
            out.writeLong(j.parentToken);
            out.writeInt(j.kind);
            out.writeInt(j.need);
            ValueCodec.writeString(out, j.onFailure);
            out.writeInt(j.branches.length);
            for (int k = 0; k < j.branches.length; k++) {
                out.writeLong(j.branches[k]);
                ValueCodec.write(out, j.results[k]);
                out.writeInt(j.state[k]);
            }
            out.writeInt(j.successes);
            out.writeInt(j.failures);
        }
        out.writeInt(c.apart.runs.size());
        for (Detached d : c.apart.runs.values()) {
            ValueCodec.writeString(out, d.id);
            out.writeInt(d.workflow);
            ValueCodec.write(out, d.args);
            out.writeLong(d.startedAt);
            out.writeLong(d.seq);
            out.writeInt(d.depth);
            out.writeLong(d.seed);
            out.writeBoolean(d.outcome != null);
            if (d.outcome != null) writeOutcome(d.outcome, out);
        }
        ValueCodec.write(out, c.apart.rootId);
        out.writeLong(c.apart.rootEnded);
        writeCounts(c.apart.ended, out);
        // 7: what each suspended fiber waits on, and since when (in the order of the ids above)
        for (long id : suspendedIds) {
            Waits.Wait w = c.waits.of(id);
            out.writeByte(w.kind.ordinal());
            out.writeLong(w.since);
        }
        // 8: forks shared by name, and the joins waiting on them
        out.writeInt(c.joins.shared.size());
        for (Map.Entry<String, Joins.Shared> e : c.joins.shared.entrySet()) {
            Joins.Shared sh = e.getValue();
            ValueCodec.writeString(out, e.getKey());
            out.writeLong(sh.parent);
            out.writeBoolean(sh.outcome != null);
            if (sh.outcome != null) ValueCodec.write(out, sh.outcome);
            out.writeInt(sh.observers.size());
            for (long[] o : sh.observers) {
                out.writeLong(o[0]);
                out.writeLong(o[1]);
            }
        }
        if (!pinned.isEmpty()) {
            out.writeInt(pinned.size());
            for (Map.Entry<String, String> e : pinned.entrySet()) {
                ValueCodec.writeString(out, e.getKey());
                ValueCodec.writeString(out, e.getValue());
            }
        }
    }

    /** The program digest a snapshot stream was written by (it reads the stream's first fields). */
    public static String digestOf(DataInputStream in) throws IOException {
        int format = in.readInt();
        if (format < 4 || format > FORMAT) throw new IOException("snapshot format " + format + " is not supported");
        return ValueCodec.readString(in);
    }

    /** A value as bytes (for an engine that hands values to another process). */
    public static byte[] valueBytes(Object v) {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                ValueCodec.write(out, v);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Object value(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            return ValueCodec.read(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** An outcome as bytes, and back. */
    public static byte[] outcomeBytes(Detached.Outcome o) {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                writeOutcome(o, out);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Detached.Outcome outcome(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            return readOutcome(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A workflow run apart's outcome (also what a Temporal child workflow returns). */
    static void writeOutcome(Detached.Outcome o, DataOutputStream out) throws IOException {
        ValueCodec.writeString(out, o.status());
        ValueCodec.write(out, o.value());
        out.writeLong(o.end());
        writeStats(o.stats(), out);
        writeErrors(o.errors(), out);
        writeErrors(o.failures(), out);
        writeCounts(o.workflows(), out);
    }

    private static void writeErrors(List<Core.RunError> list, DataOutputStream out) throws IOException {
        out.writeInt(list.size());
        for (Core.RunError e : list) {
            ValueCodec.writeString(out, e.position());
            ValueCodec.writeString(out, e.owner());
            ValueCodec.writeString(out, e.message());
            out.writeLong(e.time());
        }
    }

    private static List<Core.RunError> readErrors(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<Core.RunError> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(new Core.RunError(ValueCodec.readString(in), ValueCodec.readString(in), ValueCodec.readString(in), in.readLong()));
        }
        return list;
    }

    /** Counts by name, in name order. */
    private static void writeCounts(Map<String, Long> counts, DataOutputStream out) throws IOException {
        Map<String, Long> sorted = new TreeMap<>(counts);
        out.writeInt(sorted.size());
        for (Map.Entry<String, Long> e : sorted.entrySet()) {
            ValueCodec.writeString(out, e.getKey());
            out.writeLong(e.getValue());
        }
    }

    private static TreeMap<String, Long> readCounts(DataInputStream in) throws IOException {
        TreeMap<String, Long> counts = new TreeMap<>();
        int n = in.readInt();
        for (int i = 0; i < n; i++) counts.put(ValueCodec.readString(in), in.readLong());
        return counts;
    }

    static Detached.Outcome readOutcome(DataInputStream in) throws IOException {
        String status = ValueCodec.readString(in);
        Object value = ValueCodec.read(in);
        long end = in.readLong();
        Stats stats = new Stats();
        readStats(stats, in);
        List<Core.RunError> errors = readErrors(in);
        List<Core.RunError> failures = readErrors(in);
        return new Detached.Outcome(status, value, end, stats, errors, failures, readCounts(in));
    }

    private static void writeStrings(DataOutputStream out, List<String> xs) throws IOException {
        out.writeInt(xs.size());
        for (String x : xs) ValueCodec.writeString(out, x);
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<String> xs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) xs.add(ValueCodec.readString(in));
        return xs;
    }

    /** An independent copy of {@code c} (through its snapshot): run it forward without touching {@code c}. */
    public static Core copy(Core c) {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                write(c, out);
            }
            try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                return read(c.plan, c.faults, c.decisions, in);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot copy the engine's state", e);
        }
    }

    public static Core read(Plan plan, Faults faults, DecisionProvider decisions, DataInputStream in) throws IOException {
        return read(plan, faults, decisions, in, java.util.Set.of());
    }

    /**
     * Reads a snapshot written by this program, or by one of the same meaning whose source
     * digest is in {@code sameMeaning} (an earlier text that differed in comments and layout).
     */
    public static Core read(Plan plan, Faults faults, DecisionProvider decisions, DataInputStream in, java.util.Set<String> sameMeaning)
            throws IOException {
        return read(plan, faults, decisions, in, sameMeaning, digest -> null);
    }

    /**
     * As {@link #read(Plan, Faults, DecisionProvider, DataInputStream, java.util.Set)}, with
     * {@code earlier} giving the program of a digest (null when unknown) for the workflows that
     * run apart under an earlier version of the program (see {@link Detached#pinned}).
     */
    public static Core read(Plan plan, Faults faults, DecisionProvider decisions, DataInputStream in, java.util.Set<String> sameMeaning,
                            java.util.function.Function<String, Plan> earlier) throws IOException {
        int format = in.readInt();
        if (format < 4 || format > FORMAT) throw new IOException("snapshot format " + format + " is not supported (this build reads formats 4 to " + FORMAT + ")");
        String digest = ValueCodec.readString(in);
        if (!digest.equals(plan.digest) && !sameMeaning.contains(digest)) {
            throw new IOException("the snapshot was written by a different program (digest " + digest + ", this one " + plan.digest + ")");
        }
        long seed = in.readLong();
        Core c = new Core(plan, seed, faults, decisions);
        c.timeline.now = in.readLong();
        c.timeline.taskSeq = in.readLong();
        c.timeline.fiberSeq = in.readLong();
        c.timeline.tokenSeq = in.readLong();
        c.timeline.wfSeq = in.readLong();
        c.timeline.rng = in.readLong();
        c.timeline.trace = in.readLong();
        c.inboxPositions.read(in, format >= 6);
        readStats(c.stats, in);
        if (format >= 6) setExtraStats(c.stats, readCounts(in));
        c.errors.addAll(readErrors(in));
        c.failures.addAll(readErrors(in));
        readMap(in).forEach(c.store::put);
        Map<Long, Fiber> fibers = new HashMap<>();
        int nf = in.readInt();
        for (int i = 0; i < nf; i++) {
            Fiber f = readFiber(in, plan, c);
            fibers.put(f.id, f);
        }
        int ni = in.readInt();
        if (ni != c.instances.all.length) throw new IOException("snapshot has " + ni + " instances, the program " + c.instances.all.length);
        for (Inst i : c.instances.all) {
            int ns = in.readInt();
            i.state = new Object[ns];
            for (int k = 0; k < ns; k++) i.state[k] = ValueCodec.read(in);
            int nm = in.readInt();
            for (int k = 0; k < nm; k++) i.mailbox.add((Msg) ValueCodec.read(in));
            long cur = in.readLong();
            i.current = cur == 0 ? null : fibers.get(cur);
            i.currentMsg = (Msg) ValueCodec.read(in);
            i.callSeqAtStart = in.readLong();
            i.epoch = in.readLong();
            i.callSeq = in.readLong();
            i.crashed = in.readBoolean();
            readCallRecords(in, i);
            i.keyed.putAll(readMap(in));
            int nfe = in.readInt();
            for (int k = 0; k < nfe; k++) i.fences.put(ValueCodec.readString(in), in.readLong());
            int nt = in.readInt();
            i.ticksQueued = new int[nt];
            for (int k = 0; k < nt; k++) i.ticksQueued[k] = in.readInt();
            i.handled = in.readLong();
            i.lifecycle = ValueCodec.readString(in);
        }
        int nw = in.readInt();
        for (int k = 0; k < nw; k++) {
            String id = ValueCodec.readString(in);
            Wf w = new Wf(id, in.readInt(), 0);
            w.status = ValueCodec.readString(in);
            long fid = in.readLong();
            w.fiber = fid == 0 ? null : fibers.get(fid);
            w.result = ValueCodec.read(in);
            w.error = (String) ValueCodec.read(in);
            w.callSeq = in.readLong();
            setStartedAt(w, in.readLong());
            w.timedWait = in.readBoolean();
            w.parent = (String) ValueCodec.read(in);
            w.parentFiber = in.readLong();
            w.parentToken = in.readLong();
            w.depth = in.readInt();
            w.childrenStarted = in.readLong();
            w.children.addAll(readStrings(in));
            c.workflows.all.put(id, w);
            if (w.fiber != null) c.workflows.live.put(id, w);
        }
        int nsus = in.readInt();
        List<Long> suspendedIds = new ArrayList<>(nsus);
        for (int k = 0; k < nsus; k++) {
            long id = in.readLong();
            suspendedIds.add(id);
            c.waits.put(fibers.get(id), Waits.Kind.TIMER, -1); // what it waits on: at the end
        }
        int np = in.readInt();
        for (int k = 0; k < np; k++) {
            Calls.Pending p = new Calls.Pending(in.readLong(), in.readLong(), in.readInt(), (Msg) ValueCodec.read(in), in.readInt(),
                    in.readLong(), in.readLong(), in.readBoolean(), format >= 6 && in.readBoolean());
            c.calls.pending.put(p.fiber(), p);
        }
        int nc = in.readInt();
        for (int k = 0; k < nc; k++) c.calls.callMsgs.put(in.readLong(), (Msg) ValueCodec.read(in));
        int ne = in.readInt();
        for (int k = 0; k < ne; k++) {
            int n = in.readInt();
            for (int j = 0; j < n; j++) c.workflows.waiters.get(k).add(new Workflows.Waiter(in.readLong(), in.readLong()));
        }
        int nt = in.readInt();
        for (int k = 0; k < nt; k++) {
            Task t = new Task(in.readLong(), in.readLong(), in.readByte(), in.readInt(), in.readLong(), in.readLong(), ValueCodec.read(in));
            c.timeline.tasks.add(t);
            if (t.kind() == Task.DELIVER && c.inFlight((Msg) t.value(), t.target())) c.deliveriesInFlight++;
        }
        int nev = in.readInt();
        for (int k = 0; k < nev; k++) c.events.counts[k] = in.readLong();
        int nl = in.readInt();
        for (int k = 0; k < nl; k++) {
            c.loads.emitted[k] = in.readLong();
            c.loads.carry[k] = in.readDouble();
            c.loads.done[k] = in.readBoolean();
        }
        c.locks.fenceSeq = in.readLong();
        c.network.discarded.putAll(readMap(in));
        int nlocks = in.readInt();
        for (int k = 0; k < nlocks; k++) c.locks.held.put(ValueCodec.readString(in), new Locks.Holder(in.readLong(), in.readLong(), in.readLong()));
        int nq = in.readInt();
        for (int k = 0; k < nq; k++) c.locks.queue.add(new Locks.LockRequest(in.readLong(), in.readLong(), readStrings(in), in.readLong()));
        int nj = in.readInt();
        for (int k = 0; k < nj; k++) {
            Joins.JoinState j = new Joins.JoinState();
            j.parentFiber = in.readLong();
            j.parentToken = in.readLong();
            j.kind = in.readInt();
            j.need = in.readInt();
            j.onFailure = ValueCodec.readString(in);
            int n = in.readInt();
            j.branches = new long[n];
            j.results = new Object[n];
            j.state = new int[n];
            for (int b = 0; b < n; b++) {
                j.branches[b] = in.readLong();
                j.results[b] = ValueCodec.read(in);
                j.state[b] = in.readInt();
            }
            j.successes = in.readInt();
            j.failures = in.readInt();
            c.joins.open.put(j.parentFiber, j);
        }
        int nd = format >= 5 ? in.readInt() : 0;
        for (int k = 0; k < nd; k++) {
            Detached d = new Detached(ValueCodec.readString(in), in.readInt(), ValueCodec.read(in), in.readLong(), in.readLong(),
                    in.readInt(), in.readLong());
            if (in.readBoolean()) d.outcome = readOutcome(in);
            c.apart.runs.put(d.id, d);
        }
        if (format >= 5) {
            c.apart.rootId = (String) ValueCodec.read(in);
            c.apart.rootEnded = in.readLong();
            c.apart.ended.putAll(readCounts(in));
        }
        if (format >= 7) {
            for (long id : suspendedIds) c.waits.put(c.waits.get(id), Waits.Kind.values()[in.readByte()], in.readLong());
        } else {
            for (long id : suspendedIds) c.waits.put(c.waits.get(id), classify(c, c.waits.get(id)), -1);
        }
        int nshared = format >= 8 ? in.readInt() : 0;
        for (int k = 0; k < nshared; k++) {
            String name = ValueCodec.readString(in);
            Joins.Shared sh = new Joins.Shared();
            sh.parent = in.readLong();
            if (in.readBoolean()) sh.outcome = ValueCodec.read(in);
            int no = in.readInt();
            for (int o = 0; o < no; o++) sh.observers.add(new long[] {in.readLong(), in.readLong()});
            c.joins.shared.put(name, sh);
            if (sh.parent != 0 && c.joins.open.get(sh.parent) != null) c.joins.open.get(sh.parent).share = name;
        }
        int npinned = format >= 9 ? in.readInt() : 0;
        for (int k = 0; k < npinned; k++) {
            String id = ValueCodec.readString(in);
            String under = ValueCodec.readString(in);
            Detached d = c.apart.runs.get(id);
            Plan p;
            try {
                p = earlier.apply(under);
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            if (p == null) throw new IOException("workflow " + id + " runs apart under an earlier version of the program (digest " + under
                    + "), whose text this run does not have");
            if (d != null) d.pinned = p;
        }
        return c;
    }

    /** What a suspended fiber restored from a snapshot before format 7 waits on, worked out from the parts' records. */
    private static Waits.Kind classify(Core c, Fiber f) {
        Calls.Pending p = c.calls.pending.get(f.id);
        if (p != null && p.token() == f.waitToken) return Waits.Kind.REPLY;
        if (c.locks.queued(f.id) != null) return Waits.Kind.LOCK;
        if (c.joins.open.containsKey(f.id)) return Waits.Kind.JOIN;
        for (Wf w : c.workflows.all.values()) if (w.parentFiber == f.id && w.parentToken == f.waitToken) return Waits.Kind.CHILD;
        for (List<Workflows.Waiter> ws : c.workflows.waiters) {
            for (Workflows.Waiter w : ws) if (w.fiber() == f.id && w.token() == f.waitToken) return Waits.Kind.EVENT;
        }
        if (f.pc < 0) return Waits.Kind.START;
        return f.rerun ? Waits.Kind.RETRY : Waits.Kind.TIMER;
    }

    private static void setStartedAt(Wf w, long t) {
        try {
            Field f = Wf.class.getDeclaredField("startedAt");
            f.setAccessible(true);
            f.setLong(w, t);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeFiber(DataOutputStream out, Fiber f) throws IOException {
        out.writeLong(f.id);
        out.writeInt(f.body.id);
        out.writeByte(f.owner.ordinal());
        out.writeInt(f.instance);
        ValueCodec.write(out, f.workflow);
        out.writeInt(f.pc);
        out.writeInt(f.locals.length);
        for (Object v : f.locals) ValueCodec.write(out, v);
        ValueCodec.write(out, f.payload);
        ValueCodec.write(out, f.result);
        out.writeLong(f.waitToken);
        out.writeBoolean(f.rollbackState != null);
        if (f.rollbackState != null) {
            out.writeInt(f.rollbackState.length);
            // the values before the handler began: state maps changed in place are written as they were
            for (Object v : f.rollbackState) {
                ValueCodec.write(out, v instanceof dev.baton.runtime.value.StateMap m && f.undo != null ? m.frozenBefore(f.undo) : v);
            }
        }
        out.writeBoolean(f.rollbackGlobals != null);
        if (f.rollbackGlobals != null) writeMap(out, new TreeMap<>(f.rollbackGlobals));
        out.writeLong(f.callSeq);
        out.writeLong(f.parent);
        out.writeInt(f.branch);
        out.writeLong(f.blockCalls);
        out.writeLong(f.sagaSerial);
        out.writeBoolean(f.cancelling);
        out.writeBoolean(f.noCompensate);
        out.writeBoolean(f.rerun);
        out.writeBoolean(f.cancelDeferred);
        out.writeBoolean(f.cancelDeferredCompensate);
        out.writeInt(f.frames.size());
        for (Object fr : f.frames) {
            if (fr instanceof SagaFrame sf) {
                out.writeByte(1);
                out.writeInt(sf.beginPc);
                ValueCodec.writeString(out, sf.key);
                out.writeInt(sf.completed.size());
                for (int st : sf.completed) out.writeInt(st);
                out.writeInt(sf.current);
                out.writeBoolean(sf.compensating);
                out.writeBoolean(sf.pivotPassed);
                out.writeInt(sf.attempts);
                ValueCodec.write(out, sf.failure);
            } else {
                LockFrame lf = (LockFrame) fr;
                out.writeByte(2);
                writeStrings(out, lf.keys);
                out.writeLong(lf.token);
                out.writeBoolean(lf.revoked);
            }
        }
    }

    private static Fiber readFiber(DataInputStream in, Plan plan, Core c) throws IOException {
        long id = in.readLong();
        int bodyId = in.readInt();
        if (bodyId < 0 || bodyId >= plan.bodies.size()) throw new IOException("corrupt snapshot: body " + bodyId);
        Body body = plan.bodies.get(bodyId);
        Fiber.Owner owner = Fiber.Owner.values()[in.readByte()];
        int instance = in.readInt();
        String workflow = (String) ValueCodec.read(in);
        Fiber f = new Fiber(id, body, owner, instance, workflow);
        f.ctx = c;
        f.pc = in.readInt();
        int nl = in.readInt();
        if (nl != f.locals.length) throw new IOException("corrupt snapshot: fiber " + id + " has " + nl + " locals, body " + f.locals.length);
        for (int i = 0; i < nl; i++) f.locals[i] = ValueCodec.read(in);
        f.payload = ValueCodec.read(in);
        f.result = ValueCodec.read(in);
        f.waitToken = in.readLong();
        if (in.readBoolean()) {
            int n = in.readInt();
            f.rollbackState = new Object[n];
            for (int i = 0; i < n; i++) f.rollbackState[i] = ValueCodec.read(in);
        }
        if (in.readBoolean()) f.rollbackGlobals = new HashMap<>(readMap(in));
        f.callSeq = in.readLong();
        f.parent = in.readLong();
        f.branch = in.readInt();
        f.blockCalls = in.readLong();
        f.sagaSerial = in.readLong();
        f.cancelling = in.readBoolean();
        f.noCompensate = in.readBoolean();
        f.rerun = in.readBoolean();
        f.cancelDeferred = in.readBoolean();
        f.cancelDeferredCompensate = in.readBoolean();
        int nfr = in.readInt();
        for (int k = 0; k < nfr; k++) {
            int kind = in.readByte();
            if (kind == 1) {
                SagaFrame sf = new SagaFrame(in.readInt(), ValueCodec.readString(in));
                int nc = in.readInt();
                for (int j = 0; j < nc; j++) sf.completed.add(in.readInt());
                sf.current = in.readInt();
                sf.compensating = in.readBoolean();
                sf.pivotPassed = in.readBoolean();
                sf.attempts = in.readInt();
                sf.failure = (String) ValueCodec.read(in);
                f.frames.add(sf);
            } else {
                LockFrame lf = new LockFrame(readStrings(in), in.readLong());
                lf.revoked = in.readBoolean();
                f.frames.add(lf);
            }
        }
        return f;
    }

    /** An instance's call records in caller order: caller, epoch, sequence, reply (also a hot module's record). */
    static void writeCallRecords(DataOutputStream out, Inst i) throws IOException {
        out.writeInt(i.lastCall.size());
        for (Map.Entry<String, Inst.CallRecord> e : i.lastCall.entrySet()) {
            ValueCodec.writeString(out, e.getKey());
            out.writeLong(e.getValue().epoch);
            out.writeLong(e.getValue().seq);
            ValueCodec.write(out, e.getValue().reply);
        }
    }

    /** Replaces an instance's call records with those {@link #writeCallRecords} wrote. */
    static void readCallRecords(DataInputStream in, Inst i) throws IOException {
        i.lastCall.clear();
        int n = in.readInt();
        for (int k = 0; k < n; k++) {
            String caller = ValueCodec.readString(in);
            i.lastCall.put(caller, new Inst.CallRecord(in.readLong(), in.readLong(), ValueCodec.read(in)));
        }
    }

    private static void writeMap(DataOutputStream out, Map<String, Object> m) throws IOException {
        out.writeInt(m.size());
        for (Map.Entry<String, Object> e : m.entrySet()) {
            ValueCodec.writeString(out, e.getKey());
            ValueCodec.write(out, e.getValue());
        }
    }

    private static Map<String, Object> readMap(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String k = ValueCodec.readString(in);
            m.put(k, ValueCodec.read(in));
        }
        return m;
    }

    private static final String[] STAT_FIELDS = {"eventsEmitted", "loadEvents", "handlerRuns", "handlerFailures", "ticks", "ticksSkipped",
        "callsSent", "callRetries", "callsFailed", "callsDeduplicated", "callsFenced", "messagesDropped", "messagesDuplicated",
        "messagesDelayed", "crashes", "workflowsStarted", "workflowsCompleted", "workflowsFailed", "decisions", "decisionsRejected",
        "hallucinations", "errors", "eventsLostToCrashes", "workflowsCancelled", "sagasCompensating", "compensationRetries",
        "locksGranted", "leasesExpired", "failures", "commandCalls", "proposals"};

    /**
     * Counters added after the fixed list above, by name (snapshots from format 6): a new counter
     * needs no new format. (A run apart's outcome keeps the fixed list only: it is also what
     * Temporal child workflows return, in histories written by earlier builds.)
     */
    private static Map<String, Long> extraStats(Stats s) {
        Map<String, Long> out = new TreeMap<>();
        java.util.Set<String> fixed = java.util.Set.of(STAT_FIELDS);
        try {
            for (java.lang.reflect.Field f : Stats.class.getFields()) {
                if (f.getType() == long.class && !fixed.contains(f.getName()) && f.getLong(s) != 0) out.put(f.getName(), f.getLong(s));
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static void setExtraStats(Stats s, Map<String, Long> counts) throws IOException {
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            try {
                Stats.class.getField(e.getKey()).setLong(s, e.getValue());
            } catch (NoSuchFieldException unknown) {
                throw new IOException("the snapshot has a counter '" + e.getKey() + "' this build does not know (written by a newer build?)");
            } catch (IllegalAccessException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    private static void writeStats(Stats s, DataOutputStream out) throws IOException {
        try {
            for (String name : STAT_FIELDS) out.writeLong(Stats.class.getField(name).getLong(s));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void readStats(Stats s, DataInputStream in) throws IOException {
        try {
            for (String name : STAT_FIELDS) Stats.class.getField(name).setLong(s, in.readLong());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
