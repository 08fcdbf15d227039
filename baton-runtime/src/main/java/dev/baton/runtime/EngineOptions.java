package dev.baton.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * How to run a program on the embedded engine.
 *
 * @param seed          seeds every random choice of the run
 * @param faults        faults to inject (simulation)
 * @param duration      engine time to run at most; null: until the work settles (10 s when a load never ends)
 * @param realClock     pace engine time to the wall clock instead of running as fast as possible
 * @param dataDir       where snapshots and the journal live; null: nothing is kept
 * @param snapshotEvery engine time between snapshots
 * @param decisions     the decision provider behind {@code Ask}
 * @param progress      called about five times a second with a live view (may be null)
 * @param inbox         external events to accept (journaled before they are applied), or null
 * @param bus           where emitted events are published beyond the engine
 * @param clock         the wall clock (real-clock pacing and report timings only)
 * @param state         told of the global state as it changes (at slice boundaries, at most every 100 ms of
 *                      engine time, and at the end), or null
 */
public record EngineOptions(long seed, Faults faults, Duration duration, boolean realClock, Path dataDir, Duration snapshotEvery,
                            DecisionProvider decisions, Consumer<Progress> progress, Inbox inbox, EventBus bus, Clock clock,
                            StateObserver state) {
    public static EngineOptions defaults() {
        return new EngineOptions(1, Faults.NONE, null, false, null, Duration.ofSeconds(1), new PolicyProvider(), null, null,
                EventBus.NONE, Clock.SYSTEM, null);
    }

    public EngineOptions withBus(EventBus b) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, b, clock, state);
    }

    public EngineOptions withClock(Clock c) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, c, state);
    }

    public EngineOptions withSeed(long s) {
        return new EngineOptions(s, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state);
    }

    public EngineOptions withFaults(Faults f) {
        return new EngineOptions(seed, f, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state);
    }

    public EngineOptions withDuration(Duration d) {
        return new EngineOptions(seed, faults, d, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state);
    }

    public EngineOptions withDataDir(Path p) {
        return new EngineOptions(seed, faults, duration, realClock, p, snapshotEvery, decisions, progress, inbox, bus, clock, state);
    }

    public EngineOptions withSnapshotEvery(Duration d) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, d, decisions, progress, inbox, bus, clock, state);
    }

    public EngineOptions withProgress(Consumer<Progress> p) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, p, inbox, bus, clock, state);
    }

    public EngineOptions withRealClock(boolean r) {
        return new EngineOptions(seed, faults, duration, r, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state);
    }

    public EngineOptions withState(StateObserver o) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, o);
    }

    public EngineOptions withInbox(Inbox i) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, i, bus, clock, state);
    }
}
