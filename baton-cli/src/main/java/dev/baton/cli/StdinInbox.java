package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.runtime.Inbox;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * External events as JSON lines ({@code {"seq": 7, "event": "Player.AttackBoss", "payload": {…}}})
 * from a file or standard input, read on a background thread. Acknowledgements go to
 * standard output as {@code ack 7} (durable and applied, or a duplicate) or
 * {@code reject 7: reason}; a line that is not an event is rejected with its line number.
 */
final class StdinInbox implements Inbox {
    private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
    private final PrintWriter acks;
    private volatile boolean eof;
    /** The last sequence the run had applied (or taken) when this process attached to it. */
    private volatile long resumedAt = Long.MIN_VALUE;

    private StdinInbox(PrintWriter acks) {
        this.acks = acks;
    }

    static StdinInbox open(String source, PrintWriter acks) throws IOException {
        BufferedReader reader = source.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(source), StandardCharsets.UTF_8);
        StdinInbox inbox = new StdinInbox(acks);
        Thread t = new Thread(() -> inbox.read(reader), "baton-inbox");
        t.setDaemon(true);
        t.start();
        return inbox;
    }

    private void read(BufferedReader reader) {
        ObjectMapper json = new ObjectMapper();
        int lineNo = 0;
        try (reader) {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                try {
                    JsonNode n = json.readTree(line);
                    if (!n.isObject() || !n.path("seq").canConvertToLong() || !n.path("seq").isIntegralNumber() || !n.path("event").isTextual()) {
                        reject("line " + lineNo, "expected {\"seq\": <integer>, \"event\": \"Source.Event\", \"payload\": {…}}");
                        continue;
                    }
                    JsonNode payload = n.path("payload");
                    queue.add(new Item(n.get("seq").longValue(), n.get("event").textValue(),
                            payload.isMissingNode() ? "{}" : payload.toString()));
                } catch (IOException bad) {
                    reject("line " + lineNo, "not JSON");
                }
            }
        } catch (IOException e) {
            reject("input", "read failed: " + e.getMessage());
        } finally {
            eof = true;
        }
    }

    private void reject(String where, String why) {
        synchronized (acks) {
            acks.println("reject " + where + ": " + why);
            acks.flush();
        }
    }

    @Override
    public void resume(java.util.Map<String, Long> applied) {
        resumedAt = applied.getOrDefault("", Long.MIN_VALUE);
    }

    /** Events read so far; those at or below the run's position when it was resumed are acknowledged at once (the run has them). */
    @Override
    public List<Item> poll() {
        List<Item> out = new ArrayList<>();
        Item i;
        while (out.size() < 100_000 && (i = queue.poll()) != null) {
            if (i.seq() <= resumedAt) acknowledge(i.seq(), null);
            else out.add(i);
        }
        return out;
    }

    @Override
    public boolean closed() {
        return eof && queue.isEmpty();
    }

    @Override
    public void acknowledge(long seq, String rejection) {
        synchronized (acks) {
            acks.println(rejection == null ? "ack " + seq : "reject " + seq + ": " + rejection);
            acks.flush();
        }
    }
}
