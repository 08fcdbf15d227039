/**
 * The embedded engine's deterministic core: {@link dev.baton.runtime.internal.exec.Core} and the
 * parts it is the hub of, around one {@link dev.baton.runtime.internal.exec.Timeline}.
 *
 * <p>Lives here: the timeline (tasks, engine time, sequences, the random stream, the trace);
 * {@code Waits} (every suspended fiber and what it waits on); {@code Instances} (state slots,
 * mailboxes, one handler at a time); {@code Calls} (identities, de-duplication, timeouts and
 * retries, fencing); {@code Network} (latency, faults, crashes); {@code Fibers} (the interpreter
 * loop, wake-up, completion, failure, rollback); {@code Sagas} (unwinding, compensation);
 * {@code Locks}; {@code Joins}; {@code Workflows} (start, sleep, await, children, cancellation);
 * {@code RunsApart}; {@code Events} (emission to handlers, awaiters, the bus); {@code Loads};
 * {@code Decisions} (AI asks); {@code Views} (read-only descriptions); the strategies
 * {@code Placement} (partitions) and {@code HotCalls} (hot modules) with the {@code Outlet} a host
 * swaps in; snapshots ({@code CoreCodec}, {@code ValueCodec}); runs apart ({@code Detached}) and
 * hot modules' batches ({@code Hot}).
 *
 * <p>Must not live here: a clock, a thread, a file or a socket — the core reads no clock and
 * does no I/O (engines around it do: {@code EmbeddedEngine}, {@code Durability}, the Temporal
 * engine); anything whose result depends on iteration order of an unordered collection; a
 * second path through which a task, a wait or a random draw could happen. Not API: only
 * {@code Core}, {@code CoreCodec}, {@code Detached}, {@code Hot}, {@code Stats}, {@code InboxPositions}
 * and {@code Lifecycle} are public,
 * for the engines of this project.
 */
package dev.baton.runtime.internal.exec;
