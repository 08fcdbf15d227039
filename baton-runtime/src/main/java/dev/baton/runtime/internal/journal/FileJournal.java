package dev.baton.runtime.internal.journal;

import dev.baton.runtime.Journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A {@link Journal} in one file: each record is {@code [u32 length][u32 crc32c][bytes]}.
 * Appends go to a buffer; {@link #force()} writes the buffer and syncs once (group commit).
 * Opening scans the file and cuts off a torn or corrupt tail left by a crash.
 */
public final class FileJournal implements Journal {
    private static final int HEADER = 8;
    private static final int MAX_RECORD = 64 * 1024 * 1024;

    private final FileChannel channel;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    private long durable;
    private final CRC32C crc = new CRC32C();
    /** Bytes cut off a torn tail when the journal was opened. */
    public final long truncated;

    public FileJournal(Path file) throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long valid = scanValidEnd();
        long size = channel.size();
        truncated = size - valid;
        if (truncated > 0) {
            channel.truncate(valid);
            channel.force(true);
        }
        durable = valid;
        channel.position(valid);
    }

    private long scanValidEnd() throws IOException {
        long pos = 0;
        long size = channel.size();
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (pos + HEADER <= size) {
            header.clear();
            channel.read(header, pos);
            header.flip();
            int len = header.getInt();
            int want = header.getInt();
            if (len < 0 || len > MAX_RECORD || pos + HEADER + len > size) break;
            ByteBuffer body = ByteBuffer.allocate(len);
            channel.read(body, pos + HEADER);
            crc.reset();
            crc.update(body.array(), 0, len);
            if ((int) crc.getValue() != want) break;
            pos += HEADER + len;
        }
        return pos;
    }

    @Override
    public long append(byte[] record) throws IOException {
        if (record.length > MAX_RECORD) throw new IOException("journal record of " + record.length + " bytes is too large");
        if (buffer.remaining() < HEADER + record.length) {
            if (buffer.position() > 0) writeBuffer();
            if (buffer.capacity() < HEADER + record.length) buffer = ByteBuffer.allocateDirect(HEADER + record.length);
        }
        crc.reset();
        crc.update(record, 0, record.length);
        buffer.putInt(record.length).putInt((int) crc.getValue()).put(record);
        return durable + pendingBytes + buffer.position();
    }

    private long pendingBytes;

    private void writeBuffer() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) pendingBytes += channel.write(buffer);
        buffer.clear();
    }

    @Override
    public void force() throws IOException {
        if (buffer.position() > 0) writeBuffer();
        if (pendingBytes == 0) return;
        channel.force(false);
        durable += pendingBytes;
        pendingBytes = 0;
    }

    @Override
    public List<Entry> readFrom(long position) throws IOException {
        List<Entry> out = new ArrayList<>();
        long pos = position;
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (pos + HEADER <= durable) {
            header.clear();
            channel.read(header, pos);
            header.flip();
            int len = header.getInt();
            header.getInt();
            ByteBuffer body = ByteBuffer.allocate(len);
            channel.read(body, pos + HEADER);
            out.add(new Entry(pos, pos + HEADER + len, body.array()));
            pos += HEADER + len;
        }
        return out;
    }

    @Override
    public long durableSize() {
        return durable;
    }

    @Override
    public void close() throws IOException {
        force();
        channel.close();
    }
}
