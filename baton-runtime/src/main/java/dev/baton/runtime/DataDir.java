package dev.baton.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A run's data directory, held: the operating system's lock on its {@code LOCK} file is
 * taken before anything in it is read, written or deleted, and kept until {@link #close}.
 * Whatever changes a data directory — a run, {@code --fresh}, recovery's repairs — does so
 * only while holding it, so a second process can never pull a directory out from under a
 * live run: it gets {@link InUse} instead. The lock dies with the process (even with
 * {@code kill -9}), so a crash never leaves a directory locked.
 */
public final class DataDir implements AutoCloseable {
    /** The directory is held by another process (or another run in this one). */
    public static final class InUse extends IOException {
        public InUse(String message) {
            super(message);
        }
    }

    /** The files of a run; {@link #clearRun} removes these and nothing else. */
    private static boolean isRunFile(String name) {
        return name.startsWith("snapshot-") || name.equals("journal.log") || name.equals("meta.properties") || name.equals("report.json")
                || name.startsWith("journal-damage-") || name.endsWith(".tmp");
    }

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDir(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates the directory if needed and takes its lock; {@link InUse} when another process
     * holds it, an IOException saying what is wrong (a file, no permission) otherwise.
     */
    public static DataDir lock(Path dir) throws IOException {
        if (dir.toString().isEmpty()) throw new IOException("the data directory's name is empty");
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IOException(dir + " is a file, not a data directory");
        try {
            Files.createDirectories(dir);
        } catch (FileSystemException e) {
            throw new IOException("cannot create the data directory " + dir + ": " + reason(e));
        }
        Path lockFile = dir.resolve("LOCK");
        FileChannel ch;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (FileSystemException e) {
            throw new IOException("cannot open " + lockFile + " (a data directory must be writable): " + reason(e));
        }
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot lock " + lockFile + ": " + e.getMessage());
        }
        if (l == null) {
            String holder = holder(ch);
            ch.close();
            throw new InUse(dir + " is in use by another baton process" + (holder.isEmpty() ? "" : " (" + holder + ")")
                    + "; wait for it to end, stop it, or use another --data-dir");
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        } catch (IOException e) {
            // the lock is what matters; the pid is only a courtesy to whoever is refused
        }
        return new DataDir(dir, ch, l);
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(64);
            ch.read(b, 0);
            return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** A file system error in words: "permission denied", "read-only file system", … */
    public static String reason(FileSystemException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e.getReason() != null) return e.getReason().toLowerCase(java.util.Locale.ROOT);
        return e.getClass().getSimpleName().replace("Exception", "");
    }

    public Path path() {
        return dir;
    }

    /** Removes the run's files (never anything else in the directory, never the lock). */
    public void clearRun() throws IOException {
        check();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (isRunFile(p.getFileName().toString())) Files.delete(p);
            }
        }
    }

    /** True while this process holds the directory. */
    public boolean held() {
        return lock.isValid();
    }

    private void check() throws IOException {
        if (!lock.isValid()) throw new IOException(dir + " is no longer held");
    }

    @Override
    public void close() throws IOException {
        if (lock.isValid()) lock.release();
        channel.close();
    }
}
