package dev.baton.runtime.internal.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.lang.types.Type;
import dev.baton.runtime.DataDir;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Inbox;
import dev.baton.runtime.Journal;
import dev.baton.runtime.Json;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.internal.exec.InboxPositions;
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
 *   <li>{@code report.json} — the final report, once the run has finished;</li>
 *   <li>{@code programs/DIGEST.baton} — the text of each program the run has run under (what a
 *       migration to a new version reads the run's snapshots with), and {@code migrations.log} —
 *       one JSON line per migration applied.</li>
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
    /** The run's program (a live move to a new version replaces it: {@link #moved}). */
    private Plan plan;
    private final EngineOptions options;
    private final FileJournal journal;
    /** The directory's lock; released on close when this opened it (not when the caller holds it). */
    private final DataDir held;
    private final boolean ownsLock;
    /** Applies journaled commands (items whose name starts with {@link #COMMAND}); null: none are expected. */
    private Commands commands;
    /** What a snapshot carries besides the core (a host's own durable state), and how it is read back. */
    private Extras extras;
    /** What the last {@link #restore} started from, in words (for reports and {@code baton history}). */
    private final List<String> recoveryNotes = new ArrayList<>();

    /** Source digests of earlier texts of this program that mean the same (comments and layout apart): their snapshots are read. */
    private java.util.Set<String> sameMeaning = java.util.Set.of();
    /** The run's program before the version it is moving to ({@code Migration}), while the move is not yet durable; else null. */
    private Plan migrateFrom;
    /** meta.properties as it was before a migration began (written back if the migration is refused). */
    private Properties metaBefore;

    /** The run's answers from models, journaled before use (see {@link AnswerLog}); every core of this run asks through it. */
    private final AnswerLog answers;

    private Durability(Path dir, Plan plan, EngineOptions options, FileJournal journal, DataDir held, boolean ownsLock,
                       AnswerLog answers) {
        this.answers = answers;
        this.dir = dir;
        this.plan = plan;
        this.options = options;
        this.journal = journal;
        this.held = held;
        this.ownsLock = ownsLock;
    }

    /**
     * Journal items whose name starts with this are not events but commands of a host
     * ({@code baton serve}: a call of an endpoint, a workflow started or cancelled, an answer
     * kept for an idempotency key), journaled, synced and replayed exactly like events.
     */
    public static final String COMMAND = "~";

    /** Validates and applies the host's journaled commands, live and in a replay alike (deterministically). */
    public interface Commands {
        /** Why the command cannot be applied, or null. */
        String validate(Inbox.Item item);

        /** Applies it to the core (live, or replayed after a restore: the same effect either way). */
        void apply(Core core, Inbox.Item item, boolean replay);
    }

    /** A host's own state kept in every snapshot, atomically with the core's. */
    public interface Extras {
        void write(DataOutputStream out) throws IOException;

        /** Called by a restore with what the snapshot restored holds (an empty stream for a snapshot without it). */
        void read(DataInputStream in) throws IOException;
    }

    /** Sets who applies journaled commands; before {@link #restore}. */
    public void setCommands(Commands c) {
        this.commands = c;
    }

    private java.util.function.Consumer<Core> onRestored;

    /** Told of the core a restore starts from, before the journal is replayed into it (to attach a bus, listeners). */
    public void setOnRestored(java.util.function.Consumer<Core> c) {
        this.onRestored = c;
    }

    /** Sets what snapshots carry besides the core; before {@link #restore}. */
    public void setExtras(Extras e) {
        this.extras = e;
    }

    /** The damaged journal a run must not resume from without being told to go on. */
    public static final class JournalDamaged extends IOException {
        public JournalDamaged(String message) {
            super(message);
        }
    }

    /** Opens (creating if needed) a data directory for this program and options, taking its lock first. */
    public static Durability open(Path dir, Plan plan, EngineOptions options) throws IOException {
        boolean owns = options.heldDir() == null;
        DataDir held = owns ? DataDir.lock(dir) : options.heldDir();
        try {
            MetaCheck checked = checkMeta(dir, plan, options);
            java.util.Set<String> same = checked.same();
            keepProgram(dir, plan);
            FileJournal journal = new FileJournal(dir.resolve("journal.log"));
            AnswerLog answers;
            try {
                answers = AnswerLog.open(dir.resolve("answers.log"), options.decisions());
            } catch (IOException | RuntimeException e) {
                journal.close();
                throw e;
            }
            Durability d = new Durability(dir, plan, options, journal, held, owns, answers);
            d.sameMeaning = same;
            d.migrateFrom = checked.migrateFrom();
            d.metaBefore = checked.before();
            if (journal.truncated > 0) d.notice("journal.log ended in a torn write (a crash while it was written, never acknowledged): "
                    + journal.truncated + " byte(s) cut off at position " + journal.durableSize());
            return d;
        } catch (IOException | RuntimeException e) {
            if (owns) held.close();
            throw e;
        }
    }

    private void notice(String text) {
        recoveryNotes.add(text);
        if (options.notices() != null) options.notices().accept(text);
    }

    /**
     * Writes {@code meta.properties} for a new run, or checks that the run the directory holds
     * is this one (same program, seed, faults, parameters): replay would diverge otherwise. A
     * program whose text differs only in comments and layout is the same program: the run
     * resumes, and the earlier texts' digests are returned (their snapshots are read). A program
     * whose meaning changed is refused, saying which declarations changed.
     */
    /** What {@link #checkMeta} found: earlier digests of the same meaning; the run's older version to migrate from (and meta as it was), or nulls. */
    private record MetaCheck(java.util.Set<String> same, Plan migrateFrom, Properties before) {
    }

    /** Keeps the program's text in {@code programs/DIGEST.baton} (once: a migration reads the run's snapshots with it later). */
    private static void keepProgram(Path dir, Plan plan) throws IOException {
        Path programs = dir.resolve("programs");
        Path file = programs.resolve(plan.digest + ".baton");
        if (Files.exists(file)) return;
        Files.createDirectories(programs);
        Path tmp = programs.resolve(plan.digest + ".baton.tmp");
        Files.writeString(tmp, plan.file.text(), StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        move(tmp, file);
    }

    /**
     * The program the data directory's run ran under (its digest {@code digest}), compiled with
     * this run's parameters; null when the directory does not keep its text (written by an
     * earlier build).
     */
    private static Plan keptProgram(Path dir, String digest, String name, Plan plan) throws IOException {
        Path file = dir.resolve("programs").resolve(digest + ".baton");
        if (!Files.exists(file)) return null;
        dev.baton.lang.CheckResult checked = dev.baton.lang.Baton.check(fileName(name), Files.readString(file, StandardCharsets.UTF_8));
        if (checked.hasErrors()) throw new IOException(file + " (the program the run ran under) no longer checks: " + checked.diagnostics().get(0).message());
        try {
            return dev.baton.runtime.internal.compile.Compiler.compileWithValues(checked, plan.params);
        } catch (dev.baton.runtime.internal.compile.Compiler.PlanException e) {
            throw new IOException(file + " (the program the run ran under) no longer compiles: " + e.getMessage());
        }
    }

    /** Earlier versions of the program, compiled once each, by digest (for workflows still running apart under one). */
    private final java.util.Map<String, Plan> earlier = new java.util.HashMap<>();

    /** The earlier version of the program with source digest {@code digest}, kept in {@code programs/}; null when not kept. */
    private Plan earlierProgram(String digest, Plan plan) {
        return earlier.computeIfAbsent(digest, d -> {
            try {
                return keptProgram(dir, d, plan.file.name(), plan);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static MetaCheck checkMeta(Path dir, Plan plan, EngineOptions options) throws IOException {
        Path meta = dir.resolve("meta.properties");
        Properties want = new Properties();
        want.setProperty("program", plan.file.name());
        want.setProperty("digest", plan.digest);
        want.setProperty("meaning", plan.meaning);
        want.setProperty("declarations", declarationsText(plan.declarations));
        want.setProperty("seed", String.valueOf(options.seed()));
        want.setProperty("faults", options.faults().toString());
        want.setProperty("params", paramsText(plan.params));
        if (Files.exists(meta)) {
            Properties have = readMeta(meta);
            String program = have.getProperty("program");
            String name = program == null || program.isBlank() ? "a program" : fileName(program);
            java.util.Set<String> same = new java.util.TreeSet<>();
            for (String alias : have.getProperty("same_meaning", "").split(",")) if (!alias.isBlank()) same.add(alias.trim());
            boolean rewrite = have.getProperty("meaning") == null;
            String migrating = have.getProperty("migrating_from");
            if (migrating != null) {
                // a migration began and is not durable yet: it is done again (deterministically) under the program it began with
                if (!plan.digest.equals(have.getProperty("digest"))) {
                    throw new IOException(dir + " is moving its run to version " + have.getProperty("version", "?") + " of " + name
                            + " (a migration that has not finished); resume with that program to finish it");
                }
                Plan from = keptProgram(dir, migrating, plan.file.name(), plan);
                if (from == null) throw new IOException(dir + " is moving its run from a program whose text it no longer has (programs/" + migrating + ".baton)");
                Properties before = new Properties();
                before.putAll(have);
                before.remove("migrating_from");
                before.setProperty("digest", migrating);
                before.setProperty("meaning", have.getProperty("migrating_meaning", ""));
                before.setProperty("declarations", have.getProperty("migrating_declarations", ""));
                before.setProperty("version", String.valueOf(from.version));
                for (String k : List.of("migrating_meaning", "migrating_declarations")) before.remove(k);
                return new MetaCheck(same, from, before);
            }
            String changedFrom = null;
            for (String k : List.of("digest", "seed", "faults", "params")) {
                String had = have.getProperty(k);
                if (had == null) {
                    throw new IOException(meta + " is damaged: it has no '" + k + "' (it must say which program, seed, faults and"
                            + " parameters the run has); start over with --fresh, or use another --data-dir");
                }
                if (k.equals("params") && had.equals(String.valueOf(plan.params))) continue; // as written before 0.1.0's readable form
                if (k.equals("digest") && !had.equals(plan.digest)) {
                    String meant = have.getProperty("meaning");
                    if (meant != null && meant.equals(plan.meaning)) {
                        // comments and layout only: the same program
                        same.add(had);
                        rewrite = true;
                        continue;
                    }
                    if (meant != null) {
                        changedFrom = had;
                        continue;
                    }
                }
                if (!want.getProperty(k).equals(had)) {
                    throw new IOException(dir + " holds a run of " + name + " with " + k + " " + had + "; this run has " + k + " "
                            + want.getProperty(k) + ". Resume with the same program and flags, start over with --fresh, or use another --data-dir");
                }
            }
            if (changedFrom != null) {
                String change = changes(parseDeclarations(have.getProperty("declarations", "")), plan.declarations);
                Plan from = keptProgram(dir, changedFrom, plan.file.name(), plan);
                String why = migrationProblem(from, plan);
                if (why != null) {
                    throw new IOException(dir + " holds a run of " + name + " under a program whose meaning has changed since (" + change + "), and "
                            + why + ". A run resumes under the program it started with, one that differs only in comments and layout, or a"
                            + " new version with a Migration from the run's; start over with --fresh, or use another --data-dir");
                }
                // the run moves to the new version when it is restored: meta says so first, so that a crash before the
                // moved run is durable makes the next start do the move again
                writeMeta(dir, moving(have, plan, changedFrom, have.getProperty("meaning"), have.getProperty("declarations", "")));
                return new MetaCheck(same, from, have);
            }
            if (rewrite) {
                // keep the earlier digests that mean the same, and the meaning, for the next resume
                Properties next = new Properties();
                next.putAll(have);
                next.setProperty("digest", plan.digest);
                next.setProperty("meaning", plan.meaning);
                next.setProperty("declarations", declarationsText(plan.declarations));
                if (!same.isEmpty()) next.setProperty("same_meaning", String.join(",", same));
                writeMeta(dir, next);
            }
            return new MetaCheck(same, null, null);
        }
        if (holdsRunFiles(dir)) {
            throw new IOException(dir + " holds a run's files but no meta.properties, so which program, seed, faults and parameters"
                    + " it ran with is unknown (resuming it under other ones would replay it wrongly); start over with --fresh,"
                    + " or use another --data-dir");
        }
        want.setProperty("version", String.valueOf(plan.version));
        writeMeta(dir, want);
        return new MetaCheck(java.util.Set.of(), null, null);
    }

    /** Meta {@code have} saying the run is moving to {@code to} from the program with that digest, meaning and declarations. */
    private static Properties moving(Properties have, Plan to, String fromDigest, String fromMeaning, String fromDeclarations) {
        Properties next = new Properties();
        next.putAll(have);
        next.setProperty("digest", to.digest);
        next.setProperty("meaning", to.meaning);
        next.setProperty("declarations", declarationsText(to.declarations));
        next.setProperty("version", String.valueOf(to.version));
        next.setProperty("migrating_from", fromDigest);
        next.setProperty("migrating_meaning", fromMeaning);
        next.setProperty("migrating_declarations", fromDeclarations);
        return next;
    }

    /** Why the run of {@code from} (null: its text is not kept) cannot move to {@code to}, or null when it can try. */
    private static String migrationProblem(Plan from, Plan to) {
        if (from == null) return "this data directory does not keep the text of the program the run ran under (it was written by an earlier build),"
                + " so no migration can read its snapshots";
        if (to.version <= from.version) return "the new program is still version " + to.version + " (a change of meaning needs a new version with"
                + " a Migration from " + from.version + ")";
        if (!to.migrations.containsKey(from.version)) return "version " + to.version + " has no Migration from " + from.version;
        return null;
    }

    private static void writeMeta(Path dir, Properties p) throws IOException {
        Path tmp = dir.resolve("meta.properties.tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "Baton data directory");
        }
        move(tmp, dir.resolve("meta.properties"));
    }

    private static String declarationsText(java.util.Map<String, String> decls) {
        StringBuilder b = new StringBuilder();
        decls.forEach((k, v) -> b.append(b.length() == 0 ? "" : ";").append(k.replace(";", "_").replace("=", "_")).append('=').append(v));
        return b.toString();
    }

    private static java.util.Map<String, String> parseDeclarations(String text) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String part : text.split(";")) {
            int eq = part.lastIndexOf('=');
            if (eq > 0) out.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return out;
    }

    /** What changed between two programs' declarations, in words: {@code changed: Workflow Pursue; added: Module Ledger}. */
    static String changes(java.util.Map<String, String> before, java.util.Map<String, String> after) {
        List<String> changed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        after.forEach((k, v) -> {
            String old = before.get(k);
            if (old == null) added.add(k);
            else if (!old.equals(v)) changed.add(k);
        });
        before.keySet().forEach(k -> {
            if (!after.containsKey(k)) removed.add(k);
        });
        List<String> parts = new ArrayList<>();
        if (!changed.isEmpty()) parts.add("changed: " + String.join(", ", changed));
        if (!added.isEmpty()) parts.add("added: " + String.join(", ", added));
        if (!removed.isEmpty()) parts.add("removed: " + String.join(", ", removed));
        return parts.isEmpty() ? "the order of its declarations changed" : String.join("; ", parts);
    }

    /** A run's parameters as a user writes them: {@code players=1000, tick=100ms} (none: {@code none}). */
    public static String paramsText(java.util.Map<String, Object> params) {
        if (params.isEmpty()) return "none";
        List<String> parts = new ArrayList<>();
        params.forEach((k, v) -> parts.add(k + "=" + (v instanceof String str ? str : dev.baton.runtime.value.Values.show(v))));
        return String.join(", ", parts);
    }

    private static String fileName(String path) {
        try {
            Path p = Path.of(path).getFileName();
            return p == null ? path : p.toString();
        } catch (java.nio.file.InvalidPathException e) {
            return path;
        }
    }

    private static boolean holdsRunFiles(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith("snapshot-") && n.endsWith(".bin") || n.equals("report.json")) return true;
                if ((n.equals("journal.log") || n.equals("answers.log")) && Files.size(p) > FileJournal.FILE_HEADER) return true;
            }
        }
        return false;
    }

    private static Properties readMeta(Path meta) throws IOException {
        Properties have = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            have.load(in);
        } catch (IllegalArgumentException malformed) {
            throw new IOException(meta + " is damaged (" + malformed.getMessage() + "); start over with --fresh, or use another --data-dir");
        }
        return have;
    }

    /** Where this run's cores get their decisions: the run's provider behind its journaled answers. */
    public AnswerLog decisions() {
        return answers;
    }

    public boolean hasState() throws IOException {
        return !snapshots().isEmpty() || journal.hasRecords() || answers.recorded() > 0 || Files.exists(dir.resolve("report.json"));
    }

    /** The stored final report when the run already finished, else null. */
    public RunReport finishedReport() throws IOException {
        Path p = dir.resolve("report.json");
        if (!Files.exists(p)) return null;
        RunReport r;
        try {
            r = new ObjectMapper().readValue(p.toFile(), RunReport.class);
        } catch (com.fasterxml.jackson.core.JacksonException damaged) {
            throw new IOException(p + " is damaged, so the finished run's report cannot be shown (" + firstLine(damaged.getOriginalMessage())
                    + "); delete it to finish the run again from its snapshots and journal, or start over with --fresh");
        }
        return new RunReport(r.program(), r.engine(), r.seed(), r.faults(), "already finished: " + r.stopReason(), r.engineTimeMs(),
                r.wallTimeMs(), true, r.counters(), r.events(), r.workflows(), r.globals(), r.modules(), r.errors(), r.errorCount(),
                r.traceHash(), r.report(), r.failures(), r.failureCount(), r.deadlocks(), r.askCount(), r.asks());
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * The newest readable snapshot, then the journal after it. Damage in the journal that the
     * snapshot does not cover loses the events in it: refused (a {@link JournalDamaged}) unless
     * the options say to go on, and then said in the recovery notes and to the notices, with a
     * copy of the damaged bytes kept beside the journal.
     */
    public Core restore(Plan plan, EngineOptions options) throws IOException {
        if (migrateFrom == null) return restoreUnder(plan, options);
        Plan from = migrateFrom;
        List<Path> snaps = snapshots();
        if (!snaps.isEmpty() && plan.digest.equals(snapshotDigest(snaps.get(0)))) {
            // the moved run's snapshot is durable: the migration happened, only meta had not said so yet
            migrated(null);
            return restoreUnder(plan, options);
        }
        Core old = restoreUnder(from, options);
        dev.baton.runtime.internal.exec.Migrator.Outcome moved;
        try {
            moved = dev.baton.runtime.internal.exec.Migrator.migrate(old, plan);
        } catch (dev.baton.runtime.internal.exec.Migrator.Refused refused) {
            writeMeta(dir, metaBefore);
            migrateFrom = null;
            throw new IOException("the run in " + dir + " cannot move from version " + from.version + " to version " + plan.version + ", so nothing moved"
                    + " (it still resumes under the program it ran): " + String.join("; ", refused.reasons));
        }
        Core core = moved.core();
        if (onRestored != null) onRestored.accept(core);
        snapshot(core);
        migrated(moved.summary());
        String note = "moved the run from version " + from.version + " to version " + plan.version + " at " + core.now() + "ms of engine time: "
                + moved.summary().get("instances") + " instance(s), " + moved.summary().get("suspended") + " suspended fiber(s)"
                + (((List<?>) moved.summary().get("module_blocks")).isEmpty() ? "" : ", Migration blocks run for " + moved.summary().get("module_blocks"));
        notice(note);
        return core;
    }

    /**
     * A live service moved its run from {@code from} to {@code to} ({@code core} is the moved run):
     * made durable as a resumed move is — meta says the move has begun, the moved run's snapshot is
     * written, then meta and {@code migrations.log} say it is done; a crash before the snapshot makes
     * the next start (with the new program) move the run again from what the journal holds.
     */
    public void moved(Plan from, Plan to, Core core, java.util.Map<String, Object> summary) throws IOException {
        keepProgram(dir, to);
        writeMeta(dir, moving(readMeta(dir.resolve("meta.properties")), to, from.digest, from.meaning, declarationsText(from.declarations)));
        this.plan = to;
        snapshot(core);
        migrated(summary);
    }

    /** The move to the new version is durable (its snapshot written): meta says so, the log has it, the older version's snapshots go. */
    private void migrated(java.util.Map<String, Object> summary) throws IOException {
        Properties now = readMeta(dir.resolve("meta.properties"));
        for (String k : List.of("migrating_from", "migrating_meaning", "migrating_declarations", "same_meaning")) now.remove(k);
        if (summary != null) {
            Path log = dir.resolve("migrations.log");
            Files.writeString(log, Json.write(Json.toPlain(summary)) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
        writeMeta(dir, now);
        List<Path> snaps = snapshots();
        for (int i = 1; i < snaps.size(); i++) if (!plan.digest.equals(snapshotDigest(snaps.get(i)))) Files.deleteIfExists(snaps.get(i));
        migrateFrom = null;
        sameMeaning = java.util.Set.of();
    }

    /** The program digest a snapshot file was written by, or null when it cannot be read. */
    private static String snapshotDigest(Path snap) {
        try {
            byte[] body = readSnapshot(snap);
            if (body == null) return null;
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
            in.readLong();
            return CoreCodec.digestOf(in);
        } catch (IOException e) {
            return null;
        }
    }

    private Core restoreUnder(Plan plan, EngineOptions options) throws IOException {
        recoveryNotes.removeIf(n -> !n.startsWith("journal.log ended in a torn write"));
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
                core = CoreCodec.read(plan, options.faults(), answers, in, sameMeaning, digest -> earlierProgram(digest, plan));
                if (extras != null) extras.read(in);
                journalPos = pos;
                recoveryNotes.add("restored " + snap.getFileName() + " (" + core.now() + "ms of engine time)");
                break;
            } catch (IOException unreadable) {
                if (unreadable.getMessage() != null && unreadable.getMessage().contains("different program")) throw unreadable;
                recoveryNotes.add("skipped " + snap.getFileName() + ": " + unreadable.getMessage());
            }
        }
        if (core == null) {
            if (extras != null) extras.read(new DataInputStream(new ByteArrayInputStream(new byte[0])));
            // Always correct, only slower: the journal is never truncated, so replaying all of it
            // from a fresh start reaches the same state.
            core = new Core(plan, options.seed(), options.faults(), answers);
            core.start();
            journalPos = 0;
            recoveryNotes.add("no readable snapshot: started over and replayed the journal from the beginning");
        }
        checkDamage(journalPos, options);
        if (onRestored != null) onRestored.accept(core);
        if (journal.durableSize() < journalPos) {
            // the snapshot includes records the journal no longer has (a cut tail): what is appended
            // from now on must lie past the snapshot's position, or a later restore would skip it
            notice("journal.log ends at " + journal.durableSize() + ", before position " + journalPos + " that the snapshot includes;"
                    + " padded it so that new records follow the snapshot");
            journal.padTo(journalPos);
        }
        int[] replayed = {0};
        Core c = core;
        journal.forEachFrom(journalPos, e -> {
            Batch b = Batch.decode(e.data());
            if (b == null) return; // padding
            c.runUntil(b.time);
            for (Batch.Item item : b.items) apply(plan, c, item, commands, true);
            replayed[0]++;
        });
        if (replayed[0] > 0) recoveryNotes.add("replayed " + replayed[0] + " journal record(s)");
        return core;
    }

    /** Refuses (or, told to go on, seals) damage at or after {@code from}; damage a snapshot covers only gets a note. */
    private void checkDamage(long from, EngineOptions options) throws IOException {
        List<FileJournal.Damage> lost = new ArrayList<>();
        for (FileJournal.Damage d : journal.damage()) {
            if (d.to() <= from) {
                notice("journal.log is damaged at bytes " + d.from() + ".." + d.to() + "; the snapshot restored covers them, nothing is lost");
            } else {
                lost.add(d);
            }
        }
        if (lost.isEmpty()) return;
        long bytes = lost.stream().mapToLong(FileJournal.Damage::bytes).sum();
        String where = lost.stream().map(d -> d.from() + ".." + d.to()).collect(java.util.stream.Collectors.joining(", "));
        int[] after = {0};
        journal.forEachFrom(lost.get(0).to(), e -> after[0]++);
        String what = dir.resolve("journal.log") + " is damaged: bytes " + where + " (" + bytes + " byte(s)) fail their"
                + " checksums, with " + after[0] + " intact record(s) after them; the external events recorded there were acknowledged and"
                + " would be lost";
        if (!options.acceptJournalDamage()) {
            throw new JournalDamaged(what + ". Nothing was changed. Restore journal.log from a backup, or resume with"
                    + " --accept-journal-damage to go on without those events (a copy of the damaged bytes is kept).");
        }
        for (FileJournal.Damage d : lost) {
            Path copy = dir.resolve("journal-damage-" + d.from() + ".bin");
            Files.write(copy, journal.read(d));
            journal.seal(d);
        }
        notice(what + "; going on without them (--accept-journal-damage); the damaged bytes are kept in journal-damage-*.bin,"
                + " and the producers may resend those events: their sequence numbers were never applied");
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
        accept(plan, core, inbox, journal, commands);
    }

    /**
     * Takes what the inbox has — validates, journals, applies, answers — without syncing the
     * journal: the inbox must hold its answers back until {@link #sync} returns (a host that
     * answers many requests with one sync, after running the core, as {@code baton serve} does).
     */
    public void acceptInboxUnsynced(Core core, Inbox inbox) throws IOException {
        List<Inbox.Item> items = inbox.poll();
        if (!items.isEmpty()) accept(plan, core, items, inbox, journal, commands, false);
    }

    /**
     * Journals that the run has reached engine time {@code time} (synced by the next {@link #sync}):
     * a restore then replays to at least this time, so everything the run did up to it — what it
     * emitted, what it answered — is what it will have done after any crash, whatever comes next.
     */
    public void mark(long time) throws IOException {
        journal.append(new Batch(time, List.of()).encode());
    }

    /** True when a journal record is a {@link #mark} (an engine time reached, no input). */
    public static boolean isMark(byte[] record) {
        try {
            Batch b = Batch.decode(record);
            return b != null && b.items.isEmpty();
        } catch (IOException notABatch) {
            return false;
        }
    }

    /** Makes everything journaled so far durable. */
    public void sync() throws IOException {
        journal.force();
    }

    /**
     * Takes what the inbox has without a data directory: validates, applies, acknowledges
     * (nothing survives the process; positions are still kept, so duplicates are dropped).
     */
    public static void acceptVolatile(Plan plan, Core core, Inbox inbox) throws IOException {
        accept(plan, core, inbox, null, null);
    }

    /**
     * Applies external events that are already durable elsewhere (a Temporal workflow's history):
     * validates and applies each once, with no journal and no one to acknowledge to.
     */
    public static void applyDurableElsewhere(Plan plan, Core core, List<Inbox.Item> items) throws IOException {
        accept(plan, core, items, null, null, null, true);
    }

    private static void accept(Plan plan, Core core, Inbox inbox, FileJournal journal, Commands commands) throws IOException {
        if (inbox == null) return;
        List<Inbox.Item> items = inbox.poll();
        if (!items.isEmpty()) accept(plan, core, items, inbox, journal, commands, true);
    }

    /**
     * Validates, journals (when there is a journal), applies, acknowledges (when there is an
     * inbox). Every answer — a new event's, a duplicate's, a rejection's — is given only after
     * the journal is synced: a duplicate of an event in this very batch must not be
     * acknowledged before the event it duplicates is durable.
     */
    private static void accept(Plan plan, Core core, List<Inbox.Item> items, Inbox inbox, FileJournal journal, Commands commands,
                               boolean sync) throws IOException {
        List<Batch.Item> accepted = new ArrayList<>();
        List<Inbox.Item> answered = new ArrayList<>(items.size());
        List<String> answers = new ArrayList<>(items.size());
        // events already durable elsewhere were acknowledged there: only a resend is left out
        InboxPositions.Batch judged = core.inbox().batch(inbox != null);
        for (Inbox.Item item : items) {
            // validated first, so that an event refused for its content does not take its number
            String problem = item.event().startsWith(COMMAND)
                    ? (commands == null ? "not an event: '" + item.event() + "'" : commands.validate(item))
                    : validate(plan, item);
            if (problem == null) {
                InboxPositions.Verdict v = judged.take(item.source(), item.seq());
                if (v == InboxPositions.Verdict.REFUSED) problem = judged.why();
                else if (v == InboxPositions.Verdict.NEW) accepted.add(new Batch.Item(item.source(), item.seq(), item.event(), item.payloadJson()));
                // a DUPLICATE is a resend: the run has it (or will, once this batch is synced)
            }
            answered.add(item);
            answers.add(problem);
        }
        if (!accepted.isEmpty()) {
            if (journal != null) {
                journal.append(new Batch(core.now(), accepted).encode());
                if (sync) journal.force();
            }
            for (Batch.Item item : accepted) apply(plan, core, item, commands, false);
        }
        if (inbox != null) for (int i = 0; i < answered.size(); i++) inbox.acknowledge(answered.get(i), answers.get(i));
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

    private static void apply(Plan plan, Core core, Batch.Item item, Commands commands, boolean replay) {
        if (item.event().startsWith(COMMAND)) {
            if (commands == null) {
                throw new IllegalStateException("the journal holds a command (" + item.event() + ") of a served run: resume it with baton serve");
            }
            Inbox.Item it = new Inbox.Item(item.source(), item.seq(), item.event(), item.payloadJson());
            if (core.inbox().apply(item.source(), item.seq())) commands.apply(core, it, replay);
            return;
        }
        int ev = plan.eventIndex(item.event());
        Object payload = Conform.coerce(plan.events.get(ev).payload(), Json.parseTrusted(item.payloadJson()));
        core.inject(item.source(), item.seq(), ev, payload);
    }

    /** The size of the last snapshot's body written (to size the next one's buffer). */
    private int lastSnapshotBytes;

    /** Writes a snapshot of the core (atomically) and drops old ones. */
    public void snapshot(Core core) throws IOException {
        answers.sync(); // the Asks the snapshot covers are durable before it is
        // sized for the last snapshot and a little more: a large one is not copied over and over as it grows
        ByteArrayOutputStream body = new ByteArrayOutputStream(Math.max(1 << 16, lastSnapshotBytes + lastSnapshotBytes / 8));
        try (DataOutputStream out = new DataOutputStream(body)) {
            out.writeLong(journal.durableSize());
            CoreCodec.write(core, out);
            if (extras != null) extras.write(out);
        }
        byte[] bytes = body.toByteArray();
        lastSnapshotBytes = bytes.length;
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

    private boolean closed;

    /** Closes the journal and, when this opened it, releases the directory (again: nothing). */
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        journal.close();
        answers.close();
        if (ownsLock) held.close();
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
            if (b == null) continue;
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
        Path meta = dir.resolve("meta.properties");
        if (!Files.exists(meta)) return null;
        return readMeta(meta);
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

        /** Record kinds: 0 = padding, 1 = items of the single unnamed source (before sources), 2 = items with their source. */
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

        /** The batch a record holds, or null for padding (kind 0: a sealed damaged region, or room after a cut). */
        static Batch decode(byte[] data) throws IOException {
            if (data.length == 0 || data[0] == 0) return null;
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
