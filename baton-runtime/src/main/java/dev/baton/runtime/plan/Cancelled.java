package dev.baton.runtime.plan;

import dev.baton.runtime.value.ValueError;

/** A cancellation travelling through a fiber's frames: its sagas compensate (unless told not to), its locks are released. */
public final class Cancelled extends ValueError {
    public Cancelled(String message) {
        super(message);
    }
}
