package dev.baton.runtime.internal.exec;

/**
 * A message in an instance's mailbox. Plain data (snapshotted as is).
 *
 * @param kind     EVENT (handler = event index), TICK (handler = tick index), CALL (handler = endpoint index)
 * @param payload  event payload or call arguments
 * @param caller   for CALL: the caller's identity (instance or workflow) used for de-duplication
 * @param epoch    for CALL: the caller's incarnation; older epochs are fenced out
 * @param seq      for CALL: the caller's call sequence number
 * @param key      for CALL: an explicit idempotency key, or null
 * @param fiber    for CALL: the waiting fiber's id
 * @param token    for CALL: the wait token the reply must carry
 * @param fenceKeys  for CALL made under a Lock: the locked keys (joined by '\n'), else null
 * @param fenceToken for CALL made under a Lock: the lock's fencing token
 */
record Msg(int kind, int handler, Object payload, String caller, long epoch, long seq, String key, long fiber, long token,
           String fenceKeys, long fenceToken) {
    static final int EVENT = 0;
    static final int TICK = 1;
    static final int CALL = 2;

    static Msg event(int event, Object payload) {
        return new Msg(EVENT, event, payload, null, 0, 0, null, 0, 0, null, 0);
    }

    static Msg tick(int tick) {
        return new Msg(TICK, tick, null, null, 0, 0, null, 0, 0, null, 0);
    }
}
