package dev.baton.runtime;

/**
 * Events leaving the engine: everything a program emits is published here, after the
 * engine has delivered it to its own handlers. The embedded engine publishes to local
 * subscribers ({@code baton run --emit-log}); the Kafka bus publishes to topics.
 */
public interface EventBus {
    /** Does nothing; the default when no one subscribes. */
    EventBus NONE = (time, event, payload) -> { };

    /**
     * @param time    engine time in milliseconds
     * @param event   the event's qualified name
     * @param payload the payload (a Baton value; see {@link Json#toPlain})
     */
    void publish(long time, String event, Object payload);

    /**
     * The same, with the emission's number in the run ({@code seq}, 1, 2, …): deterministic, so
     * after a crash the re-executed emissions carry the numbers they had, and a consumer that
     * has seen a number can drop the repeat. Defaults to {@link #publish(long, String, Object)}.
     */
    default void publish(long time, long seq, String event, Object payload) {
        publish(time, event, payload);
    }

    /**
     * A runtime error or declared failure the run recorded ({@code ordinal}: errors and failures
     * recorded so far, this one included — deterministic, so a repeat after a crash carries the
     * same one), for a bus that shows them ({@code baton serve}'s stream on Temporal). Event logs
     * take none: the default does nothing.
     */
    default void problem(long time, long ordinal, boolean declared, String position, String owner, String message) {
    }

    /**
     * Returns once everything published so far has reached its destination (written to the
     * file, acknowledged by the broker), so that it survives the death of this process; throws
     * when some of it did not (then it must be published again). Publishing may buffer until then.
     */
    default void flush() {
    }
}
