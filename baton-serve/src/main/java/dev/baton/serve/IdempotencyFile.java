package dev.baton.serve;

import dev.baton.runtime.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The idempotency answers of a service whose engine keeps no journal of its own here (a run on
 * Temporal): one JSON line per record, synced before the request it belongs to goes on. Two
 * kinds of line: an <em>intent</em> (key, fingerprint, what is about to be sent — for events, the
 * items with the sequence numbers they were given) written before the engine is asked, and an
 * <em>answer</em> written before the client is answered. After a crash, an intent without its
 * answer is sent again as it was (the same sequence numbers: the run applies each once), so a
 * client that resends with the same key gets one application, never two.
 *
 * <p>Answers are kept {@link Service#RETENTION_MS} (at most {@link Service#MAX_KEYS}); the file is
 * rewritten without the expired ones when it is opened.
 */
final class IdempotencyFile implements AutoCloseable {
    record Record(String key, String fingerprint, Map<String, Object> intent, Service.Answer answer, long atWallMs) {
    }

    private final Path file;
    private final FileChannel out;
    private final Map<String, Record> records = new LinkedHashMap<>();

    private IdempotencyFile(Path file, FileChannel out) {
        this.file = file;
        this.out = out;
    }

    @SuppressWarnings("unchecked")
    static IdempotencyFile open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("idempotency.log");
        Map<String, Record> read = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        if (Files.exists(file)) {
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String line; (line = r.readLine()) != null; ) {
                    Map<String, Object> m;
                    try {
                        m = Service.object(line);
                    } catch (RuntimeException torn) {
                        break; // the last line, cut by a crash before its sync: its request was never answered
                    }
                    String key = (String) m.get("key");
                    long at = ((Number) m.get("at")).longValue();
                    Record before = read.get(key);
                    Map<String, Object> intent = m.get("intent") instanceof Map<?, ?> i ? (Map<String, Object>) i : before == null ? null : before.intent();
                    Service.Answer answer = m.get("status") instanceof Number s ? new Service.Answer(s.intValue(), m.get("body")) : null;
                    read.put(key, new Record(key, (String) m.get("fp"), intent, answer, at));
                }
            }
        }
        read.values().removeIf(rec -> rec.answer() != null && now - rec.atWallMs() > Service.RETENTION_MS);
        // rewritten: the live records only, then appended to
        Path tmp = dir.resolve("idempotency.log.tmp");
        StringBuilder text = new StringBuilder();
        for (Record rec : read.values()) text.append(line(rec)).append('\n');
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        IdempotencyFile f = new IdempotencyFile(file, FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
        f.records.putAll(read);
        return f;
    }

    private static String line(Record rec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", rec.key());
        m.put("fp", rec.fingerprint());
        m.put("at", rec.atWallMs());
        if (rec.answer() != null) {
            m.put("status", rec.answer().status());
            m.put("body", rec.answer().body());
        } else if (rec.intent() != null) {
            m.put("intent", rec.intent());
        }
        return Json.write(m);
    }

    synchronized Record get(String key) {
        return records.get(key);
    }

    /** Records (and syncs) what is about to be sent under {@code key}. */
    synchronized void intent(Service.Idem idem, Map<String, Object> intent) throws IOException {
        put(new Record(idem.key(), idem.fingerprint(), intent, null, System.currentTimeMillis()));
    }

    /** Records (and syncs) the answer given under {@code key}. */
    synchronized void answer(Service.Idem idem, Service.Answer answer) throws IOException {
        Record before = records.get(idem.key());
        put(new Record(idem.key(), idem.fingerprint(), before == null ? null : before.intent(), answer, System.currentTimeMillis()));
    }

    private void put(Record rec) throws IOException {
        records.remove(rec.key());
        records.put(rec.key(), rec);
        while (records.size() > Service.MAX_KEYS) records.remove(records.keySet().iterator().next());
        out.write(ByteBuffer.wrap((line(rec) + "\n").getBytes(StandardCharsets.UTF_8)));
        out.force(false);
    }

    /** The intents that have no answer yet (sent, perhaps, before a crash), in the order they were made. */
    synchronized List<Record> unanswered() {
        List<Record> out = new ArrayList<>();
        for (Record r : records.values()) if (r.answer() == null && r.intent() != null) out.add(r);
        return out;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    Path file() {
        return file;
    }
}
