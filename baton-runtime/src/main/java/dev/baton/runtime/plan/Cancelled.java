package dev.baton.runtime.plan;

/** A cancellation travelling through a fiber's frames: its sagas compensate (unless told not to), its locks are released. */
public final class Cancelled extends Failure {
    public Cancelled(String message) {
        super(message);
    }
}
