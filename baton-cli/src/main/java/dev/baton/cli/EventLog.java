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

/** {@code --emit-log FILE}: every emitted event as a JSON line {@code {"t": ms, "event": …, "payload": …}}. */
final class EventLog implements EventBus, AutoCloseable {
    private final BufferedWriter out;

    EventLog(Path file) throws IOException {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    @Override
    public void publish(long time, String event, Object payload) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("t", time);
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
    public void close() throws IOException {
        out.close();
    }
}
