package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.runtime.Inbox;
import dev.baton.runtime.Json;
import dev.baton.runtime.value.ValueError;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;

/**
 * External events as JSON lines from a file or standard input, read on a background thread:
 * {@code {"seq": 7, "event": "Player.AttackBoss", "payload": {…}, "producer": "web-1"}}
 * ({@code producer} optional). Answers go to {@code acks}: {@code ack 7} once the event is
 * durable and applied (or a resend of one that is), {@code reject 7: reason}, and
 * {@code reject line N: reason} for a line that is not an event.
 *
 * <h2>Limits</h2>
 * A line holds at most {@link #MAX_LINE} bytes: a longer one is rejected and skipped without
 * being held in memory. Lines read but not yet taken by the engine hold at most
 * {@link #MAX_QUEUED} bytes; beyond that the reader waits (back-pressure on the producer).
 * JSON is read strictly ({@link Json#readTree}). If reading itself fails, {@link #failure}
 * says so, and the command exits non-zero: input is never lost quietly.
 */
final class StdinInbox implements Inbox {
    /** The longest event line, in bytes (newline excluded). */
    static final int MAX_LINE = 1 << 20;
    /** Bytes of lines read and not yet taken by the engine. */
    static final int MAX_QUEUED = 64 << 20;
    private static final Pattern PRODUCER = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final java.util.Set<String> FIELDS = java.util.Set.of("seq", "event", "payload", "producer");

    private record Queued(Item item, int bytes) {
    }

    private final ConcurrentLinkedQueue<Queued> queue = new ConcurrentLinkedQueue<>();
    private final Semaphore room = new Semaphore(MAX_QUEUED);
    private final PrintWriter acks;
    private final String name;
    private volatile boolean eof;
    private volatile String failure;

    private StdinInbox(PrintWriter acks, String name) {
        this.acks = acks;
        this.name = name;
    }

    /** Opens {@code source} ("-" for standard input) and starts reading it; a missing or unreadable file is an IOException saying so. */
    static StdinInbox open(String source, PrintWriter acks) throws IOException {
        InputStream in;
        if (source.equals("-")) {
            in = System.in;
        } else {
            Path p = Path.of(source);
            if (!Files.exists(p)) throw new IOException("no such file");
            if (Files.isDirectory(p)) throw new IOException("is a directory, not a file of event lines");
            try {
                in = Files.newInputStream(p);
            } catch (java.nio.file.FileSystemException e) {
                throw new IOException("cannot be read: " + dev.baton.runtime.DataDir.reason(e));
            }
        }
        return reading(in, source.equals("-") ? "standard input" : source, acks);
    }

    /** Starts reading event lines from {@code in} ({@code name} says what it is, in messages). */
    static StdinInbox reading(InputStream in, String name, PrintWriter acks) {
        StdinInbox inbox = new StdinInbox(acks, name);
        Thread t = new Thread(() -> inbox.read(in), "baton-inbox");
        t.setDaemon(true);
        t.start();
        return inbox;
    }

    private void read(InputStream input) {
        long lineNo = 0;
        try (LineReader lines = new LineReader(input)) {
            LineReader.Line line;
            while ((line = lines.next()) != null) {
                lineNo++;
                if (line.bytes() == null) {
                    reject("line " + lineNo, line.length() + " bytes is over the limit of an event line (" + MAX_LINE + " bytes); skipped");
                    continue;
                }
                String text;
                try {
                    text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line.bytes())).toString();
                } catch (CharacterCodingException e) {
                    reject("line " + lineNo, "not UTF-8 text");
                    continue;
                }
                if (text.isBlank()) continue;
                Item item;
                try {
                    item = parse(text);
                } catch (ValueError bad) {
                    reject("line " + lineNo, bad.getMessage());
                    continue;
                }
                int bytes = Math.max(1, line.bytes().length);
                room.acquire(bytes);
                queue.add(new Queued(item, bytes));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "reading " + name + " was interrupted after line " + lineNo;
        } catch (IOException e) {
            failure = "reading " + name + " failed after line " + lineNo + ": " + e.getMessage();
        } catch (Throwable e) {
            // the reader must never die quietly: the run learns of it and fails
            failure = "reading " + name + " failed after line " + lineNo + ": " + e;
        } finally {
            eof = true;
        }
    }

    /** One event line as an item, or a ValueError saying what is wrong with it. */
    static Item parse(String text) {
        JsonNode n = Json.readTree(text);
        String shape = "an event line is {\"seq\": <integer>, \"event\": \"Source.Event\", \"payload\": {…}, \"producer\": \"name\" (optional)}";
        if (!n.isObject()) throw new ValueError("not an object; " + shape);
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw new ValueError("unknown field '" + f + "'; " + shape);
        }
        JsonNode seq = n.get("seq");
        if (seq == null) throw new ValueError("no 'seq'; " + shape);
        if (!seq.isIntegralNumber()) throw new ValueError("'seq' is " + seq.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + seq + ", not an integer");
        if (!seq.canConvertToLong()) throw new ValueError("'seq' " + seq + " does not fit in 64 bits");
        if (seq.longValue() < 0) throw new ValueError("'seq' " + seq + " is negative: sequence numbers count up from 0 or 1");
        JsonNode event = n.get("event");
        if (event == null || !event.isTextual()) throw new ValueError("'event' is missing or not a string; " + shape);
        JsonNode producer = n.get("producer");
        String source = "";
        if (producer != null) {
            if (!producer.isTextual() || !PRODUCER.matcher(producer.textValue()).matches()) {
                throw new ValueError("'producer' is 1 to 64 letters, digits and . _ : - (not " + producer + ")");
            }
            source = producer.textValue();
        }
        JsonNode payload = n.get("payload");
        return new Item(source, seq.longValue(), event.textValue(), payload == null ? "{}" : payload.toString());
    }

    private void reject(String where, String why) {
        synchronized (acks) {
            acks.println("reject " + where + ": " + why);
            acks.flush();
        }
    }

    /** Events read so far (at most 100,000 at a time). */
    @Override
    public List<Item> poll() {
        List<Item> out = new ArrayList<>();
        Queued q;
        int bytes = 0;
        while (out.size() < 100_000 && (q = queue.poll()) != null) {
            out.add(q.item());
            bytes += q.bytes();
        }
        if (bytes > 0) room.release(bytes);
        return out;
    }

    @Override
    public boolean closed() {
        return eof && queue.isEmpty();
    }

    /** Why reading the input failed (what came after was not read), or null. */
    @Override
    public String failure() {
        return failure;
    }

    @Override
    public void acknowledge(Item item, String rejection) {
        String who = item.source().isEmpty() ? "" : item.source() + " ";
        synchronized (acks) {
            acks.println(rejection == null ? "ack " + who + item.seq() : "reject " + who + item.seq() + ": " + rejection);
            acks.flush();
        }
    }

    /**
     * Lines of bytes, each at most {@link #MAX_LINE}: a longer line is consumed without being
     * kept (its {@code bytes} null, its {@code length} counted).
     */
    static final class LineReader implements AutoCloseable {
        record Line(byte[] bytes, long length) {
        }

        private final InputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int pos;
        private int end;

        LineReader(InputStream in) {
            this.in = in;
        }

        Line next() throws IOException {
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            long length = 0;
            boolean any = false;
            while (true) {
                if (pos == end) {
                    end = in.read(buf, 0, buf.length);
                    pos = 0;
                    if (end <= 0) {
                        end = 0;
                        if (!any) return null;
                        return finish(line, length);
                    }
                }
                any = true;
                int nl = -1;
                for (int i = pos; i < end; i++) {
                    if (buf[i] == '\n') {
                        nl = i;
                        break;
                    }
                }
                int stop = nl < 0 ? end : nl;
                int n = stop - pos;
                if (length + n <= MAX_LINE) line.write(buf, pos, n);
                else line.reset();
                length += n;
                pos = nl < 0 ? end : nl + 1;
                if (nl >= 0) return finish(line, length);
            }
        }

        private static Line finish(java.io.ByteArrayOutputStream line, long length) {
            if (length > MAX_LINE) return new Line(null, length);
            byte[] b = line.toByteArray();
            int n = b.length;
            if (n > 0 && b[n - 1] == '\r') b = java.util.Arrays.copyOf(b, n - 1);
            return new Line(b, length);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
