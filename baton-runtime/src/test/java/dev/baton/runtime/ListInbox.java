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

    @Override
    public void acknowledge(long seq, String rejection) {
        acks.add(rejection == null ? "ack " + seq : "reject " + seq + ": " + rejection);
    }
}
