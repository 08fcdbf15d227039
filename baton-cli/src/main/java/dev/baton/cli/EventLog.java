package dev.baton.cli;

import dev.baton.runtime.EventBus;
import dev.baton.runtime.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --emit-log FILE}: every emitted event as a JSON line {@code {"t": ms, "seq": n, "event": …, "payload": …}}.
 *
 * <p>A resumed run (or a restarted worker) appends: what it re-executes after a crash it emits
 * again, with the same {@code seq}, so nothing the file had is lost and a reader drops repeats
 * by number. A line cut short by the crash (the process died mid-write) is removed first: it was
 * not flushed, so its event is emitted again.
 */
final class EventLog implements EventBus, AutoCloseable {
    private final BufferedWriter out;

    /** @param fresh start the file over (else append to it) */
    EventLog(Path file, boolean fresh) throws IOException {
        if (!fresh && Files.exists(file)) dropCutLine(file);
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                fresh ? java.nio.file.StandardOpenOption.TRUNCATE_EXISTING : java.nio.file.StandardOpenOption.APPEND);
    }

    /** Truncates {@code file} after its last newline (a last line without one was cut short). */
    static void dropCutLine(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            long end = ch.size();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(8192);
            while (end > 0) {
                long from = Math.max(0, end - buf.capacity());
                buf.clear().limit((int) (end - from));
                ch.read(buf, from);
                for (int i = buf.position() - 1; i >= 0; i--) {
                    if (buf.get(i) == '\n') {
                        ch.truncate(from + i + 1);
                        return;
                    }
                }
                end = from;
            }
            ch.truncate(0);
        }
    }

    @Override
    public void publish(long time, String event, Object payload) {
        publish(time, 0, event, payload);
    }

    /** With {@code seq} (the emission's number in the run, when known): a line repeated after a crash has the same one. */
    @Override
    public void publish(long time, long seq, String event, Object payload) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("t", time);
        if (seq > 0) line.put("seq", seq);
        line.put("event", event);
        line.put("payload", Json.toPlain(payload));
        try {
            out.write(Json.write(line));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
