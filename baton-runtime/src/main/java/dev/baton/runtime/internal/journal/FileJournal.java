package dev.baton.runtime.internal.journal;

import dev.baton.runtime.Journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A {@link Journal} in one file, with group commit: appends go to a buffer, {@link #force()}
 * writes it and syncs once.
 *
 * <h2>Format</h2>
 * A 16-byte file header ({@code BATONJNL}, version 2, its CRC), then records
 * {@code [u32 length][u32 crc32c(body)][u32 crc32c(length, body crc, position)][body]}. The
 * header's own checksum covers the record's position, so a scan that lost its place (a
 * damaged length) can find the next record again, and a record copied elsewhere is not taken
 * for one. Journals written before version 2 (no file header, {@code [u32 length][u32 crc]})
 * are still read and appended to in their own format.
 *
 * <h2>Opening: a torn tail, or damage</h2>
 * A crash in the middle of a write leaves at most the last, unsynced write incomplete: a
 * torn tail, with nothing intact after it. Opening cuts a torn tail off (it was never
 * acknowledged). Anything else that fails its checks — a record in the middle that is
 * followed by intact ones — is <em>damage</em> (a disk or a person changed the file):
 * it is never cut off silently. {@link #damage()} lists where it is; {@link Durability}
 * decides whether the run may go on without it. Reading skips damaged regions, so the intact
 * records after them keep their positions.
 */
public final class FileJournal implements Journal {
    static final byte[] FILE_MAGIC = "BATONJNL".getBytes(StandardCharsets.US_ASCII);
    static final int FILE_HEADER = 16;
    private static final int VERSION = 2;
    private static final int HEADER = 12;
    private static final int LEGACY_HEADER = 8;
    /** The largest record (a batch of external events); larger appends are refused. */
    public static final int MAX_RECORD = 64 * 1024 * 1024;

    /** A region of the file that fails its checks, with intact records after it: {@code [from, to)}. */
    public record Damage(long from, long to) {
        public long bytes() {
            return to - from;
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final boolean readOnly;
    /** A journal written before version 2: no file header, 8-byte record headers. */
    private final boolean legacy;
    private final long start;
    private ByteBuffer buffer;
    private long durable;
    private long pendingBytes;
    private final CRC32C crc = new CRC32C();
    private final List<Damage> damage = new ArrayList<>();
    /** Bytes cut off a torn tail when the journal was opened (0 when opened read-only: then they are only skipped). */
    public final long truncated;

    /** Opens (creating if needed) a journal to append to; cuts off a torn tail. */
    public FileJournal(Path file) throws IOException {
        this(file, false);
    }

    /**
     * Opens a journal; read-only, nothing in the file is changed (a torn tail is only skipped,
     * and a missing file reads as empty).
     */
    public FileJournal(Path file, boolean readOnly) throws IOException {
        this.file = file;
        this.readOnly = readOnly;
        if (readOnly && !java.nio.file.Files.exists(file)) {
            channel = null;
            legacy = false;
            start = FILE_HEADER;
            durable = FILE_HEADER;
            truncated = 0;
            return;
        }
        channel = readOnly ? FileChannel.open(file, StandardOpenOption.READ)
                : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = channel.size();
        legacy = size >= 1 && !startsWithMagicPrefix(size);
        if (!legacy && size < FILE_HEADER) {
            // new, or a crash while its header was written: nothing was ever appended
            if (!readOnly) {
                channel.truncate(0);
                channel.write(fileHeader(), 0);
                channel.force(true);
            }
            start = FILE_HEADER;
            durable = FILE_HEADER;
            truncated = 0;
            if (!readOnly) channel.position(FILE_HEADER);
            return;
        }
        if (!legacy) checkFileHeader();
        start = legacy ? 0 : FILE_HEADER;
        long valid = scan(size);
        long cut = size - valid;
        if (cut > 0 && !readOnly) {
            channel.truncate(valid);
            channel.force(true);
        }
        truncated = readOnly ? 0 : cut;
        durable = valid;
        if (!readOnly) channel.position(valid);
    }

    private boolean startsWithMagicPrefix(long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, FILE_MAGIC.length));
        channel.read(b, 0);
        return Arrays.equals(b.array(), 0, b.capacity(), FILE_MAGIC, 0, b.capacity());
    }

    private static ByteBuffer fileHeader() {
        ByteBuffer b = ByteBuffer.allocate(FILE_HEADER);
        b.put(FILE_MAGIC).putInt(VERSION);
        CRC32C c = new CRC32C();
        c.update(b.array(), 0, 12);
        b.putInt((int) c.getValue());
        return b.flip();
    }

    private void checkFileHeader() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(FILE_HEADER);
        channel.read(b, 0);
        if (!Arrays.equals(b.array(), fileHeader().array())) {
            b.flip();
            b.position(8);
            throw new IOException(file + " is a Baton journal of format version " + b.getInt() + " (or its header is damaged);"
                    + " this build reads version " + VERSION);
        }
    }

    /** Scans the records; notes damage; returns the end of the last intact record (where a torn tail begins). */
    private long scan(long size) throws IOException {
        long pos = start;
        while (pos < size) {
            long next = recordEnd(pos, size);
            if (next > 0) {
                pos = next;
                continue;
            }
            long resumeAt = legacy ? -1 : findRecord(pos + 1, size);
            if (resumeAt < 0) {
                if (legacy && !looksTorn(pos, size)) {
                    // damage that a legacy journal cannot read past: kept in place, appends go after it
                    damage.add(new Damage(pos, size));
                    return size;
                }
                return pos;
            }
            damage.add(new Damage(pos, resumeAt));
            pos = resumeAt;
        }
        return pos;
    }

    /**
     * A legacy journal cannot find its place again after a bad record, so it tells a torn tail
     * by shape: the last record incomplete, or failing its checksum with nothing after it.
     */
    private boolean looksTorn(long pos, long size) throws IOException {
        if (size - pos < LEGACY_HEADER) return true;
        ByteBuffer h = ByteBuffer.allocate(LEGACY_HEADER);
        channel.read(h, pos);
        h.flip();
        int len = h.getInt();
        return len >= 0 && len <= MAX_RECORD && pos + LEGACY_HEADER + len >= size;
    }

    /** The end of an intact record at {@code pos}, or -1. */
    private long recordEnd(long pos, long size) throws IOException {
        int headerSize = legacy ? LEGACY_HEADER : HEADER;
        if (pos + headerSize > size) return -1;
        ByteBuffer h = ByteBuffer.allocate(headerSize);
        channel.read(h, pos);
        h.flip();
        int len = h.getInt();
        int bodyCrc = h.getInt();
        if (!legacy && h.getInt() != headerCrc(len, bodyCrc, pos)) return -1;
        if (len < 0 || len > MAX_RECORD || pos + headerSize + len > size) return -1;
        ByteBuffer body = ByteBuffer.allocate(len);
        channel.read(body, pos + headerSize);
        crc.reset();
        crc.update(body.array(), 0, len);
        return (int) crc.getValue() == bodyCrc ? pos + headerSize + len : -1;
    }

    /** The position of the first intact record at or after {@code from}, or -1: where a damaged region ends. */
    private long findRecord(long from, long size) throws IOException {
        int window = 1 << 20;
        ByteBuffer b = ByteBuffer.allocate(window + HEADER);
        for (long base = from; base + HEADER <= size; base += window) {
            b.clear();
            int n = 0;
            while (b.hasRemaining()) {
                int r = channel.read(b, base + n);
                if (r <= 0) break;
                n += r;
            }
            for (int i = 0; i + HEADER <= n && i < window; i++) {
                int len = b.getInt(i);
                if (len < 0 || len > MAX_RECORD) continue;
                long at = base + i;
                if (b.getInt(i + 8) == headerCrc(len, b.getInt(i + 4), at) && recordEnd(at, size) > 0) return at;
            }
        }
        return -1;
    }

    private final CRC32C headerCrc = new CRC32C();
    private final ByteBuffer headerBytes = ByteBuffer.allocate(16);

    private int headerCrc(int len, int bodyCrc, long position) {
        headerBytes.clear();
        headerBytes.putInt(len).putInt(bodyCrc).putLong(position);
        headerCrc.reset();
        headerCrc.update(headerBytes.array(), 0, 16);
        return (int) headerCrc.getValue();
    }

    /** Regions that fail their checks with intact records after them, in file order (empty for a sound journal). */
    public List<Damage> damage() {
        return List.copyOf(damage);
    }

    /** The bytes of a damaged region, as they are (to keep a copy before going on without them). */
    public byte[] read(Damage d) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(d.bytes(), Integer.MAX_VALUE - 8));
        channel.read(b, d.from());
        return b.array();
    }

    /**
     * Makes a damaged region an intact padding record (an empty record kind), so later opens
     * read past it without stopping; positions do not move. A region too short for a record
     * header stays as it is.
     */
    public void seal(Damage d) throws IOException {
        checkWritable();
        int headerSize = legacy ? LEGACY_HEADER : HEADER;
        if (d.bytes() < headerSize + 1 || d.bytes() - headerSize > MAX_RECORD) return;
        byte[] body = new byte[(int) (d.bytes() - headerSize)]; // first byte 0: a padding record
        crc.reset();
        crc.update(body, 0, body.length);
        int bodyCrc = (int) crc.getValue();
        ByteBuffer h = ByteBuffer.allocate(headerSize).putInt(body.length).putInt(bodyCrc);
        if (!legacy) h.putInt(headerCrc(body.length, bodyCrc, d.from()));
        channel.write(h.flip(), d.from());
        channel.write(ByteBuffer.wrap(body), d.from() + headerSize);
        channel.force(false);
        damage.remove(d);
    }

    private void checkWritable() throws IOException {
        if (readOnly) throw new IOException(file + " was opened to read only");
    }

    @Override
    public long append(byte[] record) throws IOException {
        checkWritable();
        if (record.length > MAX_RECORD) throw new IOException("journal record of " + record.length + " bytes is too large");
        int headerSize = legacy ? LEGACY_HEADER : HEADER;
        if (buffer == null) buffer = ByteBuffer.allocateDirect(1 << 20);
        if (buffer.remaining() < headerSize + record.length) {
            if (buffer.position() > 0) writeBuffer();
            if (buffer.capacity() < headerSize + record.length) buffer = ByteBuffer.allocateDirect(headerSize + record.length);
        }
        long at = durable + pendingBytes + buffer.position();
        crc.reset();
        crc.update(record, 0, record.length);
        int bodyCrc = (int) crc.getValue();
        buffer.putInt(record.length).putInt(bodyCrc);
        if (!legacy) buffer.putInt(headerCrc(record.length, bodyCrc, at));
        buffer.put(record);
        return at + headerSize + record.length;
    }

    private void writeBuffer() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) pendingBytes += channel.write(buffer);
        buffer.clear();
    }

    @Override
    public void force() throws IOException {
        if (readOnly) return;
        if (buffer != null && buffer.position() > 0) writeBuffer();
        if (pendingBytes == 0) return;
        channel.force(false);
        durable += pendingBytes;
        pendingBytes = 0;
    }

    @Override
    public void forEachFrom(long position, RecordConsumer each) throws IOException {
        if (channel == null) return;
        int headerSize = legacy ? LEGACY_HEADER : HEADER;
        long pos = Math.max(position, start);
        if (pos > start && pos < durable && !isRecordStart(pos)) pos = firstRecordAtOrAfter(pos);
        walk(pos, Long.MAX_VALUE, (at, len) -> {
            ByteBuffer body = ByteBuffer.allocate(len);
            channel.read(body, at + headerSize);
            each.accept(new Entry(at, at + headerSize + len, body.array()));
        });
    }

    private interface RecordVisitor {
        void visit(long position, int length) throws IOException;
    }

    /**
     * Steps from record to record, {@code from} up to {@code until} (or the durable end), over
     * damaged regions; tells {@code each} of every record. Returns where it stopped.
     */
    private long walk(long from, long until, RecordVisitor each) throws IOException {
        int headerSize = legacy ? LEGACY_HEADER : HEADER;
        long pos = from;
        ByteBuffer header = ByteBuffer.allocate(headerSize);
        int d = 0;
        while (pos < until && pos + headerSize <= durable) {
            while (d < damage.size() && damage.get(d).to() <= pos) d++;
            if (d < damage.size() && damage.get(d).from() <= pos) {
                pos = damage.get(d).to();
                continue;
            }
            header.clear();
            channel.read(header, pos);
            header.flip();
            int len = header.getInt();
            if (each != null) each.visit(pos, len);
            pos += headerSize + len;
        }
        return pos;
    }

    private boolean isRecordStart(long pos) throws IOException {
        for (Damage g : damage) if (g.from() <= pos && pos < g.to()) return false;
        return recordEnd(pos, durable) > 0 && (legacy ? walksTo(pos) : true);
    }

    /** Legacy records cannot vouch for their own position: only a walk from the start can. */
    private boolean walksTo(long target) throws IOException {
        return firstRecordAtOrAfter(target) == target;
    }

    /** The first record boundary at or after {@code target}, walking from the start. */
    private long firstRecordAtOrAfter(long target) throws IOException {
        return walk(start, target, null);
    }

    @Override
    public long durableSize() {
        return durable;
    }

    /** The position of the first record (past the file header). */
    public long start() {
        return start;
    }

    /** True when the journal holds at least one record (or a damaged region). */
    public boolean hasRecords() {
        return durable > start || !damage.isEmpty();
    }

    /**
     * Appends padding so that the journal ends at or after {@code position} (a snapshot's
     * position that lies past the end, after a cut): records appended later must never sit
     * below a position that a snapshot says it already includes.
     */
    public void padTo(long position) throws IOException {
        checkWritable();
        int headerSize = legacy ? LEGACY_HEADER : HEADER;
        long end = durable + pendingBytes + (buffer == null ? 0 : buffer.position());
        if (end >= position) return;
        long body = Math.max(1, position - end - headerSize);
        append(new byte[(int) Math.min(body, MAX_RECORD)]);
        force();
        if (durable < position) padTo(position);
    }

    @Override
    public void close() throws IOException {
        if (channel == null) return;
        force();
        channel.close();
    }
}
