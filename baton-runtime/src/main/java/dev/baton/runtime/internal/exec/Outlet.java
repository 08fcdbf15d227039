package dev.baton.runtime.internal.exec;

/**
 * Where what a handler produces for others goes: the replies it sends, the errors it records,
 * the workflows it starts. In a run, into the run ({@link Core}'s own outlet); in a hot module's
 * host, into the outcome of the call being run ({@link HotCalls}), for the run to apply.
 */
interface Outlet {
    /** The reply to call {@code m}. */
    void reply(Msg m, Object value);

    /** A runtime error or declared failure, recorded (already counted). */
    void recorded(Core.RunError error, boolean declared);

    /** A workflow start asked for by a handler: its id when this outlet takes it, or null to start it in the run. */
    String start(int workflow, Object args, Object id);
}
