package dev.baton.runtime.internal.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.lang.types.Type;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Inbox;
import dev.baton.runtime.Journal;
import dev.baton.runtime.Json;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.Conform;
import dev.baton.runtime.value.ValueError;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.zip.CRC32C;

/**
 * What makes an embedded run survive {@code kill -9}: a data directory with
 *
 * <ul>
 *   <li>{@code meta.properties} — the program digest, seed and faults; resuming with anything
 *       else is refused, because replay would diverge;</li>
 *   <li>{@code journal.log} — external inputs (inbox batches), each with the engine time it
 *       was applied at, durable (fsync) <em>before</em> it is applied and acknowledged;</li>
 *   <li>{@code snapshot-*.bin} — the whole engine state at a slice boundary, with the journal
 *       position it includes, written to a temporary file, synced, then renamed;</li>
 *   <li>{@code report.json} — the final report, once the run has finished.</li>
 * </ul>
 *
 * Recovery loads the newest readable snapshot and replays the journal after its position:
 * everything else is a deterministic function of the program, the seed and those inputs,
 * so the engine arrives at the state it had (or would have had) — nothing lost that was
 * acknowledged, nothing applied twice.
 */
public final class Durability {
    private static final byte[] MAGIC = "BATONSNP".getBytes(StandardCharsets.US_ASCII);
    private static final int KEEP_SNAPSHOTS = 2;

    private final Path dir;
    private final Plan plan;
    private final EngineOptions options;
    private final FileJournal journal;
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** What the last {@link #restore} started from, in words (for reports and {@code baton history}). */
    private final List<String> recoveryNotes = new ArrayList<>();

    private Durability(Path dir, Plan plan, EngineOptions options, FileJournal journal, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.plan = plan;
        this.options = options;
        this.journal = journal;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Opens (creating if needed) a data directory for this program and options. */
    public static Durability open(Path dir, Plan plan, EngineOptions options) throws IOException {
        Files.createDirectories(dir);
        FileChannel lockChannel = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException(dir + " is in use by another baton process");
        }
        Path meta = dir.resolve("meta.properties");
        Properties want = new Properties();
        want.setProperty("program", plan.file.name());
        want.setProperty("digest", plan.digest);
        want.setProperty("seed", String.valueOf(options.seed()));
        want.setProperty("faults", options.faults().toString());
        want.setProperty("params", String.valueOf(plan.params));
        if (Files.exists(meta)) {
            Properties have = new Properties();
            try (InputStream in = Files.newInputStream(meta)) {
                have.load(in);
            }
            for (String k : List.of("digest", "seed", "faults", "params")) {
                if (!want.getProperty(k).equals(have.getProperty(k, "{}"))) {
                    lock.release();
                    lockChannel.close();
                    throw new IOException(dir + " holds a run of " + Path.of(have.getProperty("program")).getFileName() + " with " + k + " "
                            + have.getProperty(k) + "; this run has " + k + " " + want.getProperty(k)
                            + ". Resume with the same program and flags, start over with --fresh, or use another --data-dir");
                }
            }
        } else {
            Path tmp = dir.resolve("meta.properties.tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                want.store(out, "Baton data directory");
            }
            move(tmp, meta);
        }
        return new Durability(dir, plan, options, new FileJournal(dir.resolve("journal.log")), lockChannel, lock);
    }

    public boolean hasState() throws IOException {
        return !snapshots().isEmpty() || journal.durableSize() > 0 || Files.exists(dir.resolve("report.json"));
    }

    /** The stored final report when the run already finished, else null. */
    public RunReport finishedReport() throws IOException {
        Path p = dir.resolve("report.json");
        if (!Files.exists(p)) return null;
        RunReport r = new ObjectMapper().readValue(p.toFile(), RunReport.class);
        return new RunReport(r.program(), r.engine(), r.seed(), r.faults(), "already finished: " + r.stopReason(), r.engineTimeMs(),
                r.wallTimeMs(), true, r.counters(), r.events(), r.workflows(), r.globals(), r.modules(), r.errors(), r.errorCount(),
                r.traceHash(), r.report(), r.failures(), r.failureCount());
    }

    /** The newest readable snapshot, then the journal after it. */
    public Core restore(Plan plan, EngineOptions options) throws IOException {
        recoveryNotes.clear();
        Core core = null;
        long journalPos = 0;
        for (Path snap : snapshots()) {
            try {
                byte[] body = readSnapshot(snap);
                if (body == null) {
                    recoveryNotes.add("skipped " + snap.getFileName() + ": torn or corrupt (checksum)");
                    continue;
                }
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
                long pos = in.readLong();
                core = CoreCodec.read(plan, options.faults(), options.decisions(), in);
                journalPos = pos;
                recoveryNotes.add("restored " + snap.getFileName() + " (" + core.now() + "ms of engine time)");
                break;
            } catch (IOException unreadable) {
                if (unreadable.getMessage() != null && unreadable.getMessage().contains("different program")) throw unreadable;
                recoveryNotes.add("skipped " + snap.getFileName() + ": " + unreadable.getMessage());
            }
        }
        if (core == null) {
            // Always correct, only slower: the journal is never truncated, so replaying all of it
            // from a fresh start reaches the same state.
            core = new Core(plan, options.seed(), options.faults(), options.decisions());
            core.start();
            journalPos = 0;
            recoveryNotes.add("no readable snapshot: started over and replayed the journal from the beginning");
        }
        int replayed = 0;
        for (Journal.Entry e : journal.readFrom(journalPos)) {
            Batch b = Batch.decode(e.data());
            core.runUntil(b.time);
            for (Batch.Item item : b.items) apply(plan, core, item);
            replayed++;
        }
        if (replayed > 0) recoveryNotes.add("replayed " + replayed + " journal record(s)");
        return core;
    }

    /** The snapshot's body (journal position + core) when its magic and checksum are intact, else null. */
    private static byte[] readSnapshot(Path snap) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(snap), 1 << 16))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!java.util.Arrays.equals(magic, MAGIC)) return null;
            int len = in.readInt();
            if (len < 0) return null;
            byte[] body = in.readNBytes(len);
            if (body.length != len) return null;
            int crc = in.readInt();
            CRC32C c = new CRC32C();
            c.update(body);
            return (int) c.getValue() == crc ? body : null;
        } catch (java.io.EOFException torn) {
            return null;
        }
    }

    /** What the last restore did, in words. */
    public List<String> recoveryNotes() {
        return List.copyOf(recoveryNotes);
    }

    /** Takes what the inbox has: validates, journals (durably), applies, acknowledges. */
    public void acceptInbox(Core core, Inbox inbox) throws IOException {
        accept(plan, core, inbox, journal);
    }

    /**
     * Takes what the inbox has without a data directory: validates, applies, acknowledges
     * (nothing survives the process; positions are still kept, so duplicates are dropped).
     */
    public static void acceptVolatile(Plan plan, Core core, Inbox inbox) throws IOException {
        accept(plan, core, inbox, null);
    }

    /**
     * Applies external events that are already durable elsewhere (a Temporal workflow's history):
     * validates and applies each once, with no journal and no one to acknowledge to.
     */
    public static void applyDurableElsewhere(Plan plan, Core core, List<Inbox.Item> items) throws IOException {
        accept(plan, core, items, null, null);
    }

    private static void accept(Plan plan, Core core, Inbox inbox, FileJournal journal) throws IOException {
        if (inbox == null) return;
        List<Inbox.Item> items = inbox.poll();
        if (!items.isEmpty()) accept(plan, core, items, inbox, journal);
    }

    /** Validates, journals (when there is a journal), applies, acknowledges (when there is an inbox). */
    private static void accept(Plan plan, Core core, List<Inbox.Item> items, Inbox inbox, FileJournal journal) throws IOException {
        List<Batch.Item> accepted = new ArrayList<>();
        List<Inbox.Item> acceptedItems = new ArrayList<>();
        java.util.Map<String, Long> last = new java.util.HashMap<>();
        for (Inbox.Item item : items) {
            long applied = last.computeIfAbsent(item.source(), core::inboxApplied);
            if (item.seq() <= applied) {
                if (inbox != null) inbox.acknowledge(item, null);
                continue;
            }
            String problem = validate(plan, item);
            if (problem != null) {
                if (inbox != null) inbox.acknowledge(item, problem);
                continue;
            }
            accepted.add(new Batch.Item(item.source(), item.seq(), item.event(), item.payloadJson()));
            acceptedItems.add(item);
            last.put(item.source(), item.seq());
        }
        if (accepted.isEmpty()) return;
        if (journal != null) {
            journal.append(new Batch(core.now(), accepted).encode());
            journal.force();
        }
        for (Batch.Item item : accepted) apply(plan, core, item);
        if (inbox != null) for (Inbox.Item item : acceptedItems) inbox.acknowledge(item, null);
    }

    /** Why {@code item} cannot be applied (unknown event, bad JSON, a field out of its bounds), or null when it can. */
    public static String validate(Plan plan, Inbox.Item item) {
        int ev = plan.eventIndex(item.event());
        if (ev < 0) return "unknown event '" + item.event() + "'";
        try {
            Object payload = Json.parse(item.payloadJson());
            Type t = plan.events.get(ev).payload();
            Conform.coerce(t, payload);
            return null;
        } catch (ValueError e) {
            return e.getMessage();
        }
    }

    private static void apply(Plan plan, Core core, Batch.Item item) {
        int ev = plan.eventIndex(item.event());
        Object payload = Conform.coerce(plan.events.get(ev).payload(), Json.parse(item.payloadJson()));
        core.inject(item.source(), item.seq(), ev, payload);
    }

    /** Writes a snapshot of the core (atomically) and drops old ones. */
    public void snapshot(Core core) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(1 << 16);
        try (DataOutputStream out = new DataOutputStream(body)) {
            out.writeLong(journal.durableSize());
            CoreCodec.write(core, out);
        }
        byte[] bytes = body.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        String name = String.format("snapshot-%015d.bin", core.now());
        Path tmp = dir.resolve(name + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16))) {
            out.write(MAGIC);
            out.writeInt(bytes.length);
            out.write(bytes);
            out.writeInt((int) crc.getValue());
            out.flush();
            ch.force(true);
        }
        move(tmp, dir.resolve(name));
        List<Path> all = snapshots();
        for (int i = KEEP_SNAPSHOTS; i < all.size(); i++) Files.deleteIfExists(all.get(i));
    }

    /** Final snapshot and report; later runs on this directory print the report. */
    public void finish(Core core, RunReport report) throws IOException {
        snapshot(core);
        Path tmp = dir.resolve("report.json.tmp");
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), report);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        move(tmp, dir.resolve("report.json"));
        close();
    }

    public void close() throws IOException {
        journal.close();
        if (lock.isValid()) lock.release();
        lockChannel.close();
    }

    /** Snapshots, newest first. */
    List<Path> snapshots() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "snapshot-*.bin")) {
            for (Path p : ds) out.add(p);
        }
        out.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        return out;
    }

    public Journal journal() {
        return journal;
    }

    /** Snapshot files, newest first: name and size. */
    public List<String[]> snapshotList() throws IOException {
        List<String[]> out = new ArrayList<>();
        for (Path p : snapshots()) out.add(new String[] {p.getFileName().toString(), String.valueOf(Files.size(p))});
        return out;
    }

    /** The journal's records, decoded: engine time and the events of each batch. */
    public List<String> journalSummary(int limit) throws IOException {
        List<String> out = new ArrayList<>();
        for (Journal.Entry e : journal.readFrom(0)) {
            if (out.size() >= limit) break;
            Batch b = Batch.decode(e.data());
            StringBuilder line = new StringBuilder(String.format("@%d  t=%dms  %d event(s):", e.position(), b.time, b.items.size()));
            for (int i = 0; i < Math.min(3, b.items.size()); i++) {
                Batch.Item it = b.items.get(i);
                line.append(" #").append(it.source().isEmpty() ? "" : it.source() + "@").append(it.seq()).append(' ').append(it.event()).append(' ').append(it.payloadJson());
            }
            if (b.items.size() > 3) line.append(" …");
            out.add(line.toString());
        }
        return out;
    }

    /** Opens a data directory only to read it (no program or seed check beyond the digest). */
    public static Properties meta(Path dir) throws IOException {
        Properties p = new Properties();
        Path meta = dir.resolve("meta.properties");
        if (!Files.exists(meta)) return null;
        try (InputStream in = Files.newInputStream(meta)) {
            p.load(in);
        }
        return p;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(to.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }

    /** A journal record: external events applied at one engine time. */
    record Batch(long time, List<Item> items) {
        record Item(String source, long seq, String event, String payloadJson) {
        }

        /** Record kinds: 1 = items of the single unnamed source (before sources), 2 = items with their source. */
        byte[] encode() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(b)) {
                out.writeByte(2);
                out.writeLong(time);
                out.writeInt(items.size());
                for (Item i : items) {
                    out.writeUTF(i.source());
                    out.writeLong(i.seq());
                    out.writeUTF(i.event());
                    byte[] json = i.payloadJson().getBytes(StandardCharsets.UTF_8);
                    out.writeInt(json.length);
                    out.write(json);
                }
            }
            return b.toByteArray();
        }

        static Batch decode(byte[] data) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            int kind = in.readByte();
            if (kind != 1 && kind != 2) throw new IOException("unknown journal record kind " + kind);
            long time = in.readLong();
            int n = in.readInt();
            List<Item> items = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                String source = kind == 2 ? in.readUTF() : "";
                long seq = in.readLong();
                String event = in.readUTF();
                byte[] json = in.readNBytes(in.readInt());
                items.add(new Item(source, seq, event, new String(json, StandardCharsets.UTF_8)));
            }
            return new Batch(time, items);
        }
    }
}
