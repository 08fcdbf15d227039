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

/** {@code --emit-log FILE}: every emitted event as a JSON line {@code {"t": ms, "seq": n, "event": …, "payload": …}}. */
final class EventLog implements EventBus, AutoCloseable {
    private final BufferedWriter out;

    EventLog(Path file) throws IOException {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
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
