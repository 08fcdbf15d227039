package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.journal.Durability;
import dev.baton.runtime.plan.Plan;

import java.io.IOException;
import java.time.Duration;

/**
 * The embedded engine: runs a {@link Plan} in this process with nothing else installed.
 *
 * <h2>The run loop</h2>
 * Engine time advances in slices of {@link #SLICE_MS}. At each slice boundary the engine
 * takes external events from the inbox (journaling them first), writes a snapshot when one
 * is due, and reports progress. With the fast clock (the default) engine time runs as fast
 * as the work allows, and a stretch of slices in which no task is due is crossed in one step
 * ({@link RunDriver#nextStepEnd}); with the real clock, or while external events may come, it
 * is paced to the wall clock.
 *
 * <h2>When a run stops</h2>
 * At {@code duration} if given. Otherwise once every load generator has finished, the inbox
 * is closed, the work has settled (no workflow running or waiting on a timer, no event or
 * command call queued or in flight — ticks and read-only queries are background) and no
 * command call has started for two periods of the slowest tick, so tick-driven pushes of
 * buffered state get flushed first; and at 10 s of engine time when a load never ends. A workflow that awaits an event without a
 * timeout does not keep a run alive.
 *
 * <h2>Durability</h2>
 * With a data directory, snapshots and the journal of external inputs make a run
 * resumable: run the same command again and it continues where it stopped (see
 * {@link Durability}).
 */
public final class EmbeddedEngine implements Engine {
    public static final long SLICE_MS = 10;
    static final Duration UNBOUNDED_LOAD_LIMIT = Duration.ofSeconds(10);

    private final Plan plan;
    private final EngineOptions options;
    private Core core;

    public EmbeddedEngine(Plan plan, EngineOptions options) {
        this.plan = plan;
        this.options = options;
    }

    /** The core, for tests and tools that inspect the final state. */
    public Core core() {
        return core;
    }

    /** The run was told to stop ({@link EngineOptions#stop}): it stopped unfinished, resumable, after a snapshot. */
    public static final class Stopped extends IOException {
        public Stopped(String message) {
            super(message);
        }
    }

    /** The inbox failed (what followed in its input was not read): the run stopped unfinished, resumable. */
    public static final class InputFailed extends IOException {
        public InputFailed(String message) {
            super(message);
        }
    }

    @Override
    public RunReport run() throws IOException {
        Durability durability = options.dataDir() == null ? null : Durability.open(options.dataDir(), plan, options);
        try {
            return run(durability);
        } catch (IOException | RuntimeException | Error e) {
            if (durability != null) durability.close();
            throw e;
        }
    }

    private RunReport run(Durability durability) throws IOException {
        Clock clock = options.clock();
        long wallStart = clock.nanoTime();
        boolean resumed = false;
        if (durability != null && durability.hasState()) {
            RunReport done = durability.finishedReport();
            if (done != null) {
                durability.close();
                return done;
            }
            core = durability.restore(plan, options);
            resumed = true;
        } else {
            core = new Core(plan, options.seed(), options.faults(), durability != null ? durability.decisions()
                    : dev.baton.runtime.internal.journal.AnswerLog.inMemory(options.decisions()));
            core.start();
        }
        core.setBus(options.bus());
        if (options.inbox() != null) options.inbox().resume(core.inboxPositions());
        RunDriver driver = new RunDriver(plan, options, core);
        // pacing: engine time t is due at wall time paceBase + t (a resumed run goes on from its own time, at once)
        long paceBase = clock.nanoTime() - core.now() * 1_000_000L;
        if (options.realClock()) core.setWallClock(() -> (clock.nanoTime() - paceBase) / 1_000_000L);
        long lastProgress = clock.nanoTime();
        long lastEvents = core.stats().eventsEmitted;
        long lastSnapshot = core.now();
        long lastSnapshotWall = clock.nanoTime();
        long lastSnapshotCost = 0;
        long snapshotEvery = Math.max(SLICE_MS, options.snapshotEvery().toMillis());
        String reason;
        while (true) {
            boolean inboxOpen = options.inbox() != null && !options.inbox().closed();
            if (durability != null) durability.acceptInbox(core, options.inbox());
            else Durability.acceptVolatile(plan, core, options.inbox());
            String lost = options.inbox() == null ? null : options.inbox().failure();
            if (lost != null && options.inbox().closed()) {
                // never as if the input had ended: stop unfinished, with everything acknowledged kept
                options.bus().flush();
                if (durability != null) {
                    durability.snapshot(core);
                    durability.close();
                }
                throw new InputFailed(lost + "; the run stopped unfinished" + (durability == null ? ""
                        : " (run the same command again to resume it, and resend from after the last 'ack')"));
            }
            reason = driver.stopReason(inboxOpen, options.inbox() != null);
            if (reason != null) break;
            if (options.stop() != null && options.stop().getAsBoolean()) {
                options.bus().flush();
                if (durability != null) {
                    durability.snapshot(core);
                    durability.close();
                }
                throw new Stopped("stopped at " + core.now() + "ms of engine time" + (durability == null ? ""
                        : "; everything acknowledged is kept: run the same command again to resume it"));
            }
            boolean paced = options.realClock() || inboxOpen;
            // paced: slice by slice, taking the inbox at every slice end; otherwise empty stretches are skipped
            long until = paced ? driver.nextSliceEnd() : driver.nextStepEnd(Long.MAX_VALUE);
            if (paced) paceTo(paceBase, until);
            core.runUntil(until);
            driver.observe(options.state(), false);
            // snapshots are observations (a restore continues identically from any of them), so their
            // cadence can follow cost: at least --snapshot-every of engine time apart, and at most
            // about a tenth of the wall time
            if (durability != null && core.now() - lastSnapshot >= snapshotEvery
                    && clock.nanoTime() - lastSnapshotWall >= 9 * lastSnapshotCost) {
                long s0 = clock.nanoTime();
                // a restore re-executes (and re-emits) only what follows the snapshot: what came before
                // must be at its destination first
                options.bus().flush();
                durability.snapshot(core);
                lastSnapshotWall = clock.nanoTime();
                lastSnapshotCost = lastSnapshotWall - s0;
                lastSnapshot = core.now();
            }
            if (options.progress() != null && clock.nanoTime() - lastProgress > 200_000_000L) {
                long wall = clock.nanoTime();
                long events = core.stats().eventsEmitted;
                double rate = (events - lastEvents) / ((wall - lastProgress) / 1e9);
                options.progress().accept(new Progress(core.now(), (wall - wallStart) / 1_000_000, events, rate, core.instanceCount(),
                        core.workflowsInFlight(), core.stats().errors));
                lastProgress = wall;
                lastEvents = events;
            }
        }
        driver.observe(options.state(), true);
        RunReport report = driver.report("embedded", reason, (clock.nanoTime() - wallStart) / 1_000_000, resumed);
        if (durability != null) durability.finish(core, report);
        return report;
    }

    private void paceTo(long paceBase, long engineMs) {
        long wait = paceBase + engineMs * 1_000_000L - options.clock().nanoTime();
        try {
            options.clock().sleepNanos(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
