package dev.baton.temporal;

/** An external event as the run workflow receives it in a signal: its inbox source and sequence, name and JSON payload. */
public final class SignalItem {
    public String source;
    public long seq;
    public String event;
    public String payload;

    public SignalItem() {
    }

    public SignalItem(String source, long seq, String event, String payload) {
        this.source = source;
        this.seq = seq;
        this.event = event;
        this.payload = payload;
    }
}
