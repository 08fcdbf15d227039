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
 * @param heldDir       the data directory, already locked by the caller (who also releases it), or null: the
 *                      engine locks {@code dataDir} itself
 * @param acceptJournalDamage go on when the journal is damaged where recovery must read it, without the events
 *                      in the damaged part (a copy of it is kept); false: refuse to resume, saying what is damaged
 * @param notices       told, in words, of what recovery found and did that a user should know (a cut torn
 *                      tail, damage, a repair), or null
 * @param stop          asked at every slice: true stops the run there, unfinished and resumable (a snapshot is
 *                      written first), as a signal does; null: never
 */
public record EngineOptions(long seed,
                            Faults faults,
                            Duration duration,
                            boolean realClock,
                            Path dataDir,
                            Duration snapshotEvery,
                            DecisionProvider decisions,
                            Consumer<Progress> progress,
                            Inbox inbox,
                            EventBus bus,
                            Clock clock,
                            StateObserver state,
                            DataDir heldDir,
                            boolean acceptJournalDamage,
                            Consumer<String> notices,
                            java.util.function.BooleanSupplier stop) {
    public static EngineOptions defaults() {
        return new EngineOptions(1, Faults.NONE, null, false, null, Duration.ofSeconds(1), new PolicyProvider(), null, null,
                EventBus.NONE, Clock.SYSTEM, null, null, false, null, null);
    }

    public EngineOptions withBus(EventBus v) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, v, clock, state, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withClock(Clock v) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, v, state, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withSeed(long v) {
        return new EngineOptions(v, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withFaults(Faults v) {
        return new EngineOptions(seed, v, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withDuration(Duration v) {
        return new EngineOptions(seed, faults, v, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withSnapshotEvery(Duration v) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, v, decisions, progress, inbox, bus, clock, state, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withProgress(Consumer<Progress> v) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, v, inbox, bus, clock, state, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withRealClock(boolean v) {
        return new EngineOptions(seed, faults, duration, v, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withState(StateObserver v) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, v, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withInbox(Inbox v) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, v, bus, clock, state, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withDecisions(DecisionProvider v) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, v, progress, inbox, bus, clock, state, heldDir, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withAcceptJournalDamage(boolean v) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state, heldDir, v, notices, stop);
    }

    public EngineOptions withNotices(Consumer<String> v) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state, heldDir, acceptJournalDamage, v, stop);
    }

    public EngineOptions withDataDir(Path p) {
        return new EngineOptions(seed, faults, duration, realClock, p, snapshotEvery, decisions, progress, inbox, bus, clock, state, null, acceptJournalDamage, notices, stop);
    }

    public EngineOptions withStop(java.util.function.BooleanSupplier v) {
        return new EngineOptions(seed, faults, duration, realClock, dataDir, snapshotEvery, decisions, progress, inbox, bus, clock, state, heldDir,
                acceptJournalDamage, notices, v);
    }

    /** The data directory, locked by the caller, who releases it after the run. */
    public EngineOptions withDataDir(DataDir held) {
        return new EngineOptions(seed, faults, duration, realClock, held.path(), snapshotEvery, decisions, progress, inbox, bus, clock, state, held, acceptJournalDamage, notices, stop);
    }
}
