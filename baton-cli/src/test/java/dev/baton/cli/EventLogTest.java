package dev.baton.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --emit-log FILE} reopened after a crash: appended to, a line the crash cut short dropped first; {@code --fresh} starts over. */
class EventLogTest {
    private static String reopenAndRead(Path file, String before, boolean fresh) throws Exception {
        Files.writeString(file, before, StandardCharsets.UTF_8);
        try (EventLog log = new EventLog(file, fresh)) {
            log.publish(7, 3, "Ops.Ping", Map.of("n", 1L));
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    @Test
    void aResumedLogKeepsWholeLinesAndDropsACutOne(@TempDir Path dir) throws Exception {
        String line = "{\"t\":7,\"seq\":3,\"event\":\"Ops.Ping\",\"payload\":{\"n\":1}}\n";
        String whole = "{\"t\":1,\"seq\":1,\"event\":\"A\",\"payload\":{}}\n{\"t\":2,\"seq\":2,\"event\":\"B\",\"payload\":{}}\n";
        Path f = dir.resolve("events.jsonl");
        assertThat(reopenAndRead(f, whole, false)).isEqualTo(whole + line);
        assertThat(reopenAndRead(f, whole + "{\"t\":3,\"se", false)).isEqualTo(whole + line);
        assertThat(reopenAndRead(f, "{\"t\":3,\"se", false)).isEqualTo(line);
        assertThat(reopenAndRead(f, "", false)).isEqualTo(line);
        // a cut line longer than the 8 KiB the tail is read by
        assertThat(reopenAndRead(f, whole + "x".repeat(20_000), false)).isEqualTo(whole + line);
        assertThat(reopenAndRead(f, whole, true)).as("--fresh").isEqualTo(line);
        assertThat(Files.readAllLines(f)).hasSize(1);
        assertThat(List.of(reopenAndRead(dir.resolve("new.jsonl"), "", false))).containsExactly(line);
    }
}
