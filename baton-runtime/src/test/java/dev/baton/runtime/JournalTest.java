package dev.baton.runtime;

import dev.baton.runtime.internal.journal.FileJournal;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JournalTest {
    @TempDir
    Path dir;

    @Property(tries = 50)
    void readsBackExactlyWhatWasForced(@ForAll @Size(max = 40) List<byte[]> records) throws IOException {
        Path file = Files.createTempFile("journal", ".log");
        try (FileJournal j = new FileJournal(file)) {
            long end = 0;
            for (byte[] r : records) end = j.append(r);
            j.force();
            assertThat(j.durableSize()).isEqualTo(records.isEmpty() ? 0 : end);
        }
        try (FileJournal j = new FileJournal(file)) {
            List<Journal.Entry> back = j.readFrom(0);
            assertThat(back).hasSameSizeAs(records);
            for (int i = 0; i < records.size(); i++) assertThat(back.get(i).data()).isEqualTo(records.get(i));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aTornTailIsCutOffAndTheRestSurvives() throws IOException {
        Path file = dir.resolve("journal.log");
        try (FileJournal j = new FileJournal(file)) {
            j.append("first".getBytes());
            j.append("second".getBytes());
            j.force();
        }
        long good = Files.size(file);
        // a crash in the middle of writing the third record: header and half the body
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.allocate(8).putInt(100).putInt(12345).flip());
            ch.write(ByteBuffer.wrap("partial".getBytes()));
        }
        try (FileJournal j = new FileJournal(file)) {
            assertThat(j.truncated).isEqualTo(15);
            assertThat(j.readFrom(0)).extracting(e -> new String(e.data())).containsExactly("first", "second");
            j.append("third".getBytes());
            j.force();
        }
        assertThat(Files.size(file)).isEqualTo(good + 8 + 5);
    }

    @Test
    void aCorruptRecordEndsTheValidLog() throws IOException {
        Path file = dir.resolve("journal.log");
        try (FileJournal j = new FileJournal(file)) {
            j.append("one".getBytes());
            j.append("two".getBytes());
            j.append("three".getBytes());
            j.force();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'X'}), 8 + 3 + 8); // flip a byte of "two"
        }
        try (FileJournal j = new FileJournal(file)) {
            assertThat(j.readFrom(0)).extracting(e -> new String(e.data())).containsExactly("one");
        }
    }
}
