package dev.baton.temporal;

/** An event the run emitted, on its way out of the workflow: engine time, its number in the run, name and JSON payload. */
public final class EmittedEvent {
    public long time;
    public long seq;
    public String event;
    public String payload;

    public EmittedEvent() {
    }

    public EmittedEvent(long time, long seq, String event, String payload) {
        this.time = time;
        this.seq = seq;
        this.event = event;
        this.payload = payload;
    }
}
