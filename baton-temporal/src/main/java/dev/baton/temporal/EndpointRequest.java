package dev.baton.temporal;

/**
 * A call of one of the program's endpoints from outside, sent to a run's workflow: as the
 * update {@code execute} (any endpoint; recorded in the history, applied exactly once per
 * {@code caller}) or the query {@code query} ({@code /return} endpoints only; answered from a
 * copy of the run's state, changes nothing). Plain fields for the JSON payload converter.
 */
public final class EndpointRequest {
    /** {@code Module.Endpoint} or {@code Module[KEY].Endpoint}. */
    public String target;
    /** The arguments as a JSON object (null for none). */
    public String args;
    /** The caller's identity: a command resent under the same one is applied once. */
    public String caller;

    public EndpointRequest() {
    }

    public EndpointRequest(String target, String args, String caller) {
        this.target = target;
        this.args = args;
        this.caller = caller;
    }
}
