package dev.baton.runtime;

import java.util.ArrayList;
import java.util.List;

/** An inbox fed from a list, all at once, for tests. */
final class ListInbox implements Inbox {
    private final List<Item> items;
    private boolean taken;
    final List<String> acks = new ArrayList<>();

    ListInbox(List<Item> items) {
        this.items = items;
    }

    @Override
    public List<Item> poll() {
        if (taken) return List.of();
        taken = true;
        return items;
    }

    @Override
    public boolean closed() {
        return taken;
    }

    /** {@code ack SEQ}, {@code reject SEQ: why} — with the producer's name first when it has one. */
    @Override
    public void acknowledge(Item item, String rejection) {
        String seq = (item.source().isEmpty() ? "" : item.source() + " ") + item.seq();
        acks.add(rejection == null ? "ack " + seq : "reject " + seq + ": " + rejection);
    }
}
