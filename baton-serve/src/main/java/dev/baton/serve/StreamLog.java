package dev.baton.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.runtime.Json;
import dev.baton.runtime.internal.exec.Core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What a served run emitted and what went wrong in it, in order, each entry numbered with the
 * run's own durable sequence — the events emitted plus the errors and failures recorded up to and
 * including it, which a replay after a crash reproduces exactly. The numbers are the SSE ids of
 * {@code GET /stream}, so a client that reconnects with {@code Last-Event-ID} misses nothing and
 * sees nothing twice, across restarts too.
 *
 * <p>An entry is published only once the run is durable past it ({@link #release}, after the
 * journal's mark of that engine time is synced): a crash can then never take back what a client
 * saw. Entries go to {@code stream.log} in the data directory (JSON lines, written at release and
 * synced before every snapshot — a replay regenerates whatever a power cut took after the last
 * snapshot) and the newest {@link #RING} stay in memory for quick resumption. A replay's entries
 * at or below the last number written are the same entries again, and are skipped.
 */
public final class StreamLog implements AutoCloseable {
    static final int RING = 65_536;
    /** Entries queued for one client before it is considered lagging (it then catches up from the log). */
    static final int CLIENT_QUEUE = 10_000;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One entry: its id, engine time, kind ("emit", "error", "failure") and JSON body. */
    public record Entry(long id, long time, String kind, String json) {
    }

    private final Path file;
    private final FileChannel channel;
    private final OutputStream out;
    private final ArrayDeque<Entry> ring = new ArrayDeque<>();
    private final List<Entry> pending = new ArrayList<>();
    private long lastWritten;
    private final CopyOnWriteArrayList<Sub> subs = new CopyOnWriteArrayList<>();
    private volatile Map<String, Object> globals = Map.of();

    private StreamLog(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
        this.out = java.nio.channels.Channels.newOutputStream(channel);
    }

    /** Opens (creating) {@code stream.log} in {@code dir}: a torn last line (a crash while it was written) is cut. */
    public static StreamLog open(Path dir) throws IOException {
        Path file = dir.resolve("stream.log");
        long good = 0;
        ArrayDeque<Entry> tail = new ArrayDeque<>();
        long last = 0;
        long lastSeq = 0;
        long lastOrdinal = 0;
        if (Files.exists(file)) {
            byte[] all = Files.readAllBytes(file);
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] != '\n') continue;
                String line = new String(all, start, i - start, StandardCharsets.UTF_8);
                start = i + 1;
                Map<String, Object> m = fields(line);
                if (m == null) break;
                Entry e = entry(m, line);
                good = start;
                last = e.id();
                tail.addLast(e);
                if (tail.size() > RING) tail.removeFirst();
                if (m.get("src") instanceof Number src) {
                    if (e.kind().equals("emit")) lastSeq = Math.max(lastSeq, src.longValue());
                    else lastOrdinal = Math.max(lastOrdinal, src.longValue());
                }
            }
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        ch.truncate(good);
        ch.position(good);
        StreamLog log = new StreamLog(file, ch);
        log.ring.addAll(tail);
        log.lastWritten = last;
        log.nextId = last + 1;
        log.lastSeq = lastSeq;
        log.lastOrdinal = lastOrdinal;
        return log;
    }

    private static Entry entry(Map<String, Object> m, String line) {
        return new Entry(((Number) m.get("id")).longValue(), ((Number) m.get("t")).longValue(), (String) m.get("kind"), line);
    }

    /** A line's fields, or null when it is not a whole entry (a torn last line). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> fields(String line) {
        try {
            Map<String, Object> m = MAPPER.readValue(line, Map.class);
            return m.get("id") instanceof Number && m.get("t") instanceof Number && m.get("kind") instanceof String ? m : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- the engine thread

    void emitted(long id, long time, String event, Object payload) {
        if (id <= lastWritten) return; // a replay's: written before the crash
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("t", time);
        m.put("kind", "emit");
        m.put("event", event);
        m.put("payload", Json.toPlain(payload));
        pending.add(new Entry(id, time, "emit", Json.write(m)));
    }

    // ---------------------------------------------------------------- numbered here (a run on Temporal)

    /** The next id this log gives, and the newest emission number and problem ordinal it has taken (see {@link #emittedFrom}). */
    private long nextId = 1;
    private long lastSeq;
    private long lastOrdinal;

    /**
     * An emission of a run whose events arrive here at least once, in order (a Temporal run's
     * publishing activity): numbered by this log, a repeat — its emission number {@code seq} at or
     * below one already taken — dropped, across restarts too (the number is kept as {@code src}).
     */
    synchronized void emittedFrom(long seq, long time, String event, Object payload) {
        if (seq <= lastSeq) return;
        lastSeq = seq;
        Map<String, Object> m = new LinkedHashMap<>();
        long id = nextId++;
        m.put("id", id);
        m.put("t", time);
        m.put("kind", "emit");
        m.put("event", event);
        m.put("payload", Json.toPlain(payload));
        m.put("src", seq);
        pending.add(new Entry(id, time, "emit", Json.write(m)));
    }

    /** A problem of such a run, by its ordinal (errors and failures recorded so far): numbered here, a repeat dropped. */
    synchronized void problemFrom(long ordinal, Core.RunError error, boolean declared) {
        if (ordinal <= lastOrdinal) return;
        lastOrdinal = ordinal;
        long id = nextId++;
        Map<String, Object> m = problem(id, error, declared);
        m.put("src", ordinal);
        pending.add(new Entry(id, error.time(), declared ? "failure" : "error", Json.write(m)));
    }

    private static Map<String, Object> problem(long id, Core.RunError error, boolean declared) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("t", error.time());
        m.put("kind", declared ? "failure" : "error");
        m.put("position", error.position());
        m.put("owner", error.owner());
        m.put("message", error.message());
        return m;
    }

    void error(long id, Core.RunError error, boolean declared) {
        if (id <= lastWritten) return;
        Map<String, Object> m = problem(id, error, declared);
        pending.add(new Entry(id, error.time(), declared ? "failure" : "error", Json.write(m)));
    }

    /** The globals that changed at engine time {@code time}: to every client now (state is not numbered: the newest is what counts). */
    void state(long time, Map<String, Object> changed) {
        Map<String, Object> all = new LinkedHashMap<>(globals);
        all.putAll(changed);
        globals = all;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("t", time);
        m.put("globals", changed);
        String json = Json.write(m);
        for (Sub s : subs) s.offer(new Entry(-1, time, "state", json));
    }

    /** The run's counters at engine time {@code time}: to every client now (not numbered). */
    void stats(long time, Map<String, Object> stats) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("t", time);
        m.put("stats", stats);
        String json = Json.write(m);
        for (Sub s : subs) s.offer(new Entry(-1, time, "stats", json));
    }

    /** The program's {@code Report} as the run stands at engine time {@code time}: to every client now (not numbered). */
    void report(Map<String, Object> report) {
        String json = Json.write(report);
        for (Sub s : subs) s.offer(new Entry(-1, ((Number) report.getOrDefault("engine_ms", 0L)).longValue(), "report", json));
    }

    /** True while a client follows the stream (what is only pushed need not be made otherwise). */
    boolean watched() {
        return !subs.isEmpty();
    }

    /** The newest value of every global streamed so far. */
    public Map<String, Object> globals() {
        return globals;
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Publishes what was recorded up to engine time {@code upTo}, now durable: to the file, the ring and every client. */
    synchronized void release(long upTo) throws IOException {
        if (pending.isEmpty()) return;
        List<Entry> out = new ArrayList<>(pending.size());
        StringBuilder text = new StringBuilder();
        for (java.util.Iterator<Entry> it = pending.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.time() > upTo) break;
            it.remove();
            out.add(e);
            text.append(e.json()).append('\n');
        }
        if (out.isEmpty()) return;
        this.out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        synchronized (ring) {
            for (Entry e : out) {
                ring.addLast(e);
                if (ring.size() > RING) ring.removeFirst();
            }
            lastWritten = out.get(out.size() - 1).id();
        }
        for (Sub s : subs) for (Entry e : out) s.offer(e);
    }

    /** Syncs the file (before a snapshot: a replay does not regenerate what precedes it). */
    void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.force(false);
        channel.close();
        for (Sub s : subs) s.offer(Sub.END);
    }

    // ---------------------------------------------------------------- clients (any thread)

    /**
     * A client's view: everything after {@code afterId} (0: from the start), then what comes.
     * {@link Sub#next} blocks; the caller closes it when the client goes.
     */
    public Sub subscribe(long afterId) {
        Sub s = new Sub(this, afterId);
        subs.add(s);
        s.catchUp();
        return s;
    }

    /** Entries with an id above {@code after}, at most {@code max}, in order: from the ring, or the file for older ones. */
    public List<Entry> after(long after, int max) {
        List<Entry> out = new ArrayList<>();
        synchronized (ring) {
            if (!ring.isEmpty() && ring.peekFirst().id() <= after + 1) {
                for (Entry e : ring) {
                    if (e.id() > after) out.add(e);
                    if (out.size() >= max) break;
                }
                return out;
            }
            if (ring.isEmpty() || after >= lastWritten) return out;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null && out.size() < max) {
                Map<String, Object> m = fields(line);
                if (m == null) break;
                Entry e = entry(m, line);
                if (e.id() > after) out.add(e);
            }
        } catch (IOException e) {
            // the file went away under us: what the ring holds is what there is
        }
        return out;
    }

    /** The highest id published. */
    public long lastId() {
        synchronized (ring) {
            return lastWritten;
        }
    }

    /** One client's queue. A client that falls {@link #CLIENT_QUEUE} behind is caught up from the log instead (nothing skipped). */
    public static final class Sub implements AutoCloseable {
        static final Entry END = new Entry(-2, 0, "end", "");
        private final StreamLog log;
        private final LinkedBlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
        private volatile long lastSent;
        private volatile boolean lagging;

        Sub(StreamLog log, long after) {
            this.log = log;
            this.lastSent = after;
        }

        void offer(Entry e) {
            if (e.id() < 0) {
                queue.offer(e);
                return;
            }
            if (lagging) return;
            if (queue.size() >= CLIENT_QUEUE) {
                lagging = true;
                queue.removeIf(q -> q.id() >= 0);
                return;
            }
            queue.offer(e);
        }

        /** Entries read from the log for this client, served before the queue (consumer thread only). */
        private final ArrayDeque<Entry> buffer = new ArrayDeque<>();

        /**
         * Reads what the log holds after {@code lastSent} into the buffer. Entries offered from now on
         * go to the queue: each is either in the buffer too (skipped as a repeat) or newer than all of it.
         */
        private void catchUp() {
            lagging = false;
            long upTo = lastSent;
            while (true) {
                List<Entry> older = log.after(upTo, 1000);
                for (Entry e : older) {
                    buffer.add(e);
                    upTo = e.id();
                }
                if (older.size() < 1000) break;
                if (buffer.size() >= CLIENT_QUEUE) {
                    // the rest on the next catch-up, once this is sent; until then the queue is not needed
                    lagging = true;
                    queue.removeIf(q -> q.id() >= 0);
                    break;
                }
            }
        }

        /** The next entry for this client (null after {@code timeoutMs} with none; {@link #END} once the log closed). */
        public Entry next(long timeoutMs) throws InterruptedException {
            while (true) {
                if (buffer.isEmpty() && lagging) catchUp();
                Entry e = buffer.isEmpty() ? queue.poll(timeoutMs, TimeUnit.MILLISECONDS) : buffer.poll();
                if (e == null || e.id() < 0) return e;
                if (e.id() <= lastSent) continue; // the catch-up had it
                lastSent = e.id();
                return e;
            }
        }

        public boolean ended(Entry e) {
            return e == END;
        }

        @Override
        public void close() {
            log.subs.remove(this);
        }
    }
}
