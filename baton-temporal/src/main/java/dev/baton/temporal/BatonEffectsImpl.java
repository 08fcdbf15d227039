package dev.baton.temporal;

import dev.baton.runtime.EventBus;
import dev.baton.runtime.Json;

import java.util.List;

/**
 * Publishes emitted events to the worker's {@link EventBus}, returning once the bus has them
 * at their destination ({@link EventBus#flush}). At least once: a worker that dies after publishing
 * but before Temporal recorded it publishes the batch again when the task is retried — with the same {@code seq}s (the emissions' numbers in the run), so consumers drop
 * repeats exactly as after an embedded engine's crash. Batches are published one at a time, so
 * the lines of two runs served by one worker never interleave in a file.
 */
public final class BatonEffectsImpl implements BatonEffects {
    private final EventBus bus;

    public BatonEffectsImpl(EventBus bus) {
        this.bus = bus;
    }

    @Override
    public void publish(List<EmittedEvent> events) {
        synchronized (bus) {
            for (EmittedEvent e : events) {
                if (e.event.startsWith("~")) {
                    java.util.Map<?, ?> p = (java.util.Map<?, ?>) Json.toPlain(Json.parseTrusted(e.payload));
                    bus.problem(e.time, e.seq, e.event.equals(EmittedEvent.FAILURE), String.valueOf(p.get("position")), String.valueOf(p.get("owner")),
                            String.valueOf(p.get("message")));
                } else {
                    bus.publish(e.time, e.seq, e.event, Json.parseTrusted(e.payload));
                }
            }
            // the batch counts as published (recorded in the history, never sent again) once this
            // returns: it must be at its destination by then, not in a buffer of this process
            bus.flush();
        }
    }
}
