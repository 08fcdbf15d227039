package dev.baton.runtime;

import dev.baton.runtime.internal.journal.FileJournal;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
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
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JournalTest {
    /** File header, then per record: length, body CRC, header CRC. */
    private static final int FILE_HEADER = 16;
    private static final int HEADER = 12;

    @TempDir
    Path dir;

    @Property(tries = 50)
    void readsBackExactlyWhatWasForced(@ForAll @Size(max = 40) List<byte[]> records) throws IOException {
        Path file = Files.createTempFile("journal", ".log");
        Files.delete(file);
        try (FileJournal j = new FileJournal(file)) {
            long end = j.start();
            for (byte[] r : records) end = j.append(r);
            j.force();
            assertThat(j.durableSize()).isEqualTo(end);
        }
        try (FileJournal j = new FileJournal(file)) {
            assertThat(j.damage()).isEmpty();
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
        assertThat(good).isEqualTo(FILE_HEADER + HEADER + 5 + HEADER + 6);
        // a crash in the middle of writing the third record: header and half the body
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.allocate(HEADER).putInt(100).putInt(12345).putInt(6789).flip());
            ch.write(ByteBuffer.wrap("partial".getBytes()));
        }
        try (FileJournal j = new FileJournal(file)) {
            assertThat(j.truncated).isEqualTo(HEADER + 7);
            assertThat(j.damage()).isEmpty();
            assertThat(j.readFrom(0)).extracting(e -> new String(e.data())).containsExactly("first", "second");
            j.append("third".getBytes());
            j.force();
        }
        assertThat(Files.size(file)).isEqualTo(good + HEADER + 5);
    }

    @Test
    void aDamagedRecordInTheMiddleIsReportedAndTheRecordsAfterItAreKept() throws IOException {
        Path file = dir.resolve("journal.log");
        try (FileJournal j = new FileJournal(file)) {
            for (String s : List.of("one", "two", "three", "four")) j.append(s.getBytes());
            j.force();
        }
        long two = FILE_HEADER + HEADER + 3;
        flip(file, two + HEADER + 1); // a byte of "two"'s body
        try (FileJournal j = new FileJournal(file)) {
            assertThat(j.truncated).isZero();
            assertThat(j.damage()).containsExactly(new FileJournal.Damage(two, two + HEADER + 3));
            assertThat(j.readFrom(0)).extracting(e -> new String(e.data())).containsExactly("one", "three", "four");
        }
    }

    @Test
    void aDamagedLengthDoesNotHideTheRecordsAfterIt() throws IOException {
        Path file = dir.resolve("journal.log");
        try (FileJournal j = new FileJournal(file)) {
            for (int i = 0; i < 200; i++) j.append(("record " + i).getBytes());
            j.force();
        }
        flip(file, FILE_HEADER + 1); // the first record's length: it now claims megabytes
        try (FileJournal j = new FileJournal(file)) {
            assertThat(j.damage()).hasSize(1);
            assertThat(j.damage().get(0).from()).isEqualTo(FILE_HEADER);
            List<Journal.Entry> back = j.readFrom(0);
            assertThat(back).hasSize(199);
            assertThat(new String(back.get(0).data())).isEqualTo("record 1");
        }
    }

    @Test
    void aSealedDamagedRegionReadsAsPaddingAndPositionsStay() throws IOException {
        Path file = dir.resolve("journal.log");
        long third;
        try (FileJournal j = new FileJournal(file)) {
            j.append("one".getBytes());
            third = j.append("two".getBytes());
            j.append("three".getBytes());
            j.force();
        }
        flip(file, FILE_HEADER + HEADER + 3 + HEADER);
        try (FileJournal j = new FileJournal(file)) {
            j.seal(j.damage().get(0));
        }
        try (FileJournal j = new FileJournal(file)) {
            assertThat(j.damage()).isEmpty();
            List<Journal.Entry> back = j.readFrom(0);
            assertThat(back).extracting(e -> e.data().length == 0 ? "" : e.data()[0] == 0 ? "padding" : new String(e.data()))
                    .containsExactly("one", "padding", "three");
            assertThat(back.get(2).position()).isEqualTo(third);
        }
    }

    @Property(tries = 30)
    void readingFromAnyPositionStartsAtTheFirstRecordAtOrAfterIt(@ForAll @IntRange(min = 0, max = 400) int at) throws IOException {
        Path file = Files.createTempFile("journal", ".log");
        Files.delete(file);
        try (FileJournal j = new FileJournal(file)) {
            for (int i = 0; i < 20; i++) j.append(("r" + i).getBytes());
            j.force();
            List<Journal.Entry> all = j.readFrom(0);
            List<Journal.Entry> from = j.readFrom(at);
            assertThat(from).extracting(Journal.Entry::position)
                    .isEqualTo(all.stream().map(Journal.Entry::position).filter(p -> p >= at).toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void paddingPutsNewRecordsPastAPositionBeyondTheEnd() throws IOException {
        Path file = dir.resolve("journal.log");
        try (FileJournal j = new FileJournal(file)) {
            j.append("one".getBytes());
            j.force();
            long end = j.durableSize();
            j.padTo(end + 5); // less room than a record header
            long next = j.durableSize();
            assertThat(next).isGreaterThanOrEqualTo(end + 5);
            j.append("two".getBytes());
            j.force();
            assertThat(j.readFrom(end + 5)).extracting(e -> new String(e.data())).containsExactly("two");
        }
    }

    /** A journal written before format 2 (no file header, [length][crc] records) is read and appended to as it is. */
    @Test
    void aLegacyJournalIsReadAndAppendedInItsOwnFormat() throws IOException {
        Path file = dir.resolve("journal.log");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (String s : List.of("old one", "old two")) ch.write(legacyRecord(s.getBytes()));
        }
        long size = Files.size(file);
        try (FileJournal j = new FileJournal(file)) {
            assertThat(j.start()).isZero();
            assertThat(j.readFrom(0)).extracting(e -> new String(e.data())).containsExactly("old one", "old two");
            assertThat(j.readFrom(8 + 7)).extracting(e -> new String(e.data())).containsExactly("old two");
            j.append("new".getBytes());
            j.force();
        }
        assertThat(Files.size(file)).isEqualTo(size + 8 + 3);
        try (FileJournal j = new FileJournal(file)) {
            assertThat(j.readFrom(0)).extracting(e -> new String(e.data())).containsExactly("old one", "old two", "new");
        }
    }

    @Test
    void aLegacyJournalDamagedInTheMiddleIsReportedNotCut() throws IOException {
        Path file = dir.resolve("journal.log");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (String s : List.of("one", "two", "three")) ch.write(legacyRecord(s.getBytes()));
        }
        long size = Files.size(file);
        flip(file, 8 + 3 + 8);
        try (FileJournal j = new FileJournal(file)) {
            assertThat(j.truncated).isZero();
            assertThat(j.damage()).containsExactly(new FileJournal.Damage(8 + 3, size));
            assertThat(j.readFrom(0)).extracting(e -> new String(e.data())).containsExactly("one");
        }
        assertThat(Files.size(file)).isEqualTo(size);
    }

    @Test
    void readOnlyChangesNothing() throws IOException {
        Path file = dir.resolve("journal.log");
        try (FileJournal j = new FileJournal(file)) {
            j.append("one".getBytes());
            j.force();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        long size = Files.size(file);
        try (FileJournal j = new FileJournal(file, true)) {
            assertThat(j.readFrom(0)).hasSize(1);
            assertThatThrownBy(() -> j.append("x".getBytes())).isInstanceOf(IOException.class);
        }
        assertThat(Files.size(file)).isEqualTo(size);
        assertThat(new FileJournal(dir.resolve("missing.log"), true).readFrom(0)).isEmpty();
        assertThat(Files.exists(dir.resolve("missing.log"))).isFalse();
    }

    private static ByteBuffer legacyRecord(byte[] body) {
        CRC32C c = new CRC32C();
        c.update(body);
        return ByteBuffer.allocate(8 + body.length).putInt(body.length).putInt((int) c.getValue()).put(body).flip();
    }

    static void flip(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5A));
            b.rewind();
            ch.write(b, at);
        }
    }
}
