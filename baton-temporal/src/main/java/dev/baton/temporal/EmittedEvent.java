package dev.baton.temporal;

/**
 * An event the run emitted, on its way out of the workflow: engine time, its number in the run, name
 * and JSON payload. A name starting with {@code ~} is a problem the run recorded instead
 * ({@value #ERROR} or {@value #FAILURE}; {@code seq} its ordinal, the payload its position, owner and message).
 */
public final class EmittedEvent {
    static final String ERROR = "~error";
    static final String FAILURE = "~failure";
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
