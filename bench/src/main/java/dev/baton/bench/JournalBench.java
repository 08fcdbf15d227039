package dev.baton.bench;

import dev.baton.runtime.internal.journal.FileJournal;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Durable appends per second: Baton's journal (length + CRC32C framing, group commit)
 * against the physical baseline — raw {@code FileChannel} writes of the same bytes with one
 * {@code force()} per batch — in the same run, same directory, same batch size.
 */
public final class JournalBench {
    private JournalBench() {
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int size = 100;
        Path dir = Files.createTempDirectory(Path.of(args.length > 2 ? args[2] : "."), "journal-bench");
        System.out.printf("Journal: %,d records of %d bytes, %d per durable commit, in %s (%s)%n%n", records, size, batch, dir, Bench.machine());
        byte[] record = new byte[size];
        for (int i = 0; i < size; i++) record[i] = (byte) i;
        double bestRaw = 0;
        double bestJournal = 0;
        for (int round = 1; round <= 3; round++) {
            double raw = raw(dir.resolve("raw-" + round + ".log"), records, batch, record);
            double journal = journal(dir.resolve("journal-" + round + ".log"), records, batch, record);
            bestRaw = Math.max(bestRaw, raw);
            bestJournal = Math.max(bestJournal, journal);
            System.out.printf("round %d: raw FileChannel + force %,12.0f appends/s   journal %,12.0f appends/s   raw/journal %.2fx%n",
                    round, raw, journal, raw / journal);
        }
        System.out.printf("%nbest: raw %,.0f/s, journal %,.0f/s — the journal is %.2fx slower than the physical baseline (target: within 3x)%n",
                bestRaw, bestJournal, bestRaw / bestJournal);
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.delete(p);
        }
        Files.delete(dir);
    }

    static double raw(Path file, int records, int batch, byte[] record) throws Exception {
        ByteBuffer buf = ByteBuffer.allocateDirect(batch * (record.length + 8));
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < records; i++) {
                buf.putInt(record.length).putInt(0).put(record);
                if ((i + 1) % batch == 0 || i == records - 1) {
                    buf.flip();
                    while (buf.hasRemaining()) ch.write(buf);
                    buf.clear();
                    ch.force(false);
                }
            }
        }
        return records / ((System.nanoTime() - t0) / 1e9);
    }

    static double journal(Path file, int records, int batch, byte[] record) throws Exception {
        long t0 = System.nanoTime();
        try (FileJournal j = new FileJournal(file)) {
            for (int i = 0; i < records; i++) {
                j.append(record);
                if ((i + 1) % batch == 0 || i == records - 1) j.force();
            }
        }
        return records / ((System.nanoTime() - t0) / 1e9);
    }
}
