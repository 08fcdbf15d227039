package dev.baton.temporal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The argument of the run workflow: everything a worker needs to rebuild the run
 * deterministically — the program text, its parameter overrides, seed, faults and engine-time
 * limit — and, after a continue-as-new, the engine's snapshot (compressed, Base64). Plain fields
 * for the workflow's JSON payload converter.
 */
public final class RunInput {
    public String file;
    public String source;
    public Map<String, String> params = new LinkedHashMap<>();
    public long seed;
    public String faults = "";
    /** Engine-time limit in ms, or 0 for none. */
    public long durationMs;
    /** Null on the first run of the chain; then the snapshot the previous run ended with. */
    public String snapshot;
    /** The run driver's settle window when the snapshot was taken (see RunDriver#settleState). */
    public long settledSince = -1;
    public long settledCommands;
    /** Workflow time (ms) when the chain began, for the report's wall time. */
    public long startedAtMs;
    /** Workflow tasks per run before it continues as new (see BatonRunWorkflowImpl). */
    public int tasksPerRun = 100;
    /** True when the run takes external events (signals) and must not stop before the inbox closes. */
    public boolean inbox;
    public boolean inboxClosed;
    /** Signalled events not applied yet when the previous run of the chain continued as new. */
    public java.util.List<SignalItem> pending = new java.util.ArrayList<>();
    /** True when emitted events leave the run (the worker publishes them to its event bus). */
    public boolean publishEvents;
    /** How many runs of the chain came before this one. */
    public int generation;
    /** The run's {@code --ai} overrides: per AI, its provider options (provider, endpoint, model). */
    public Map<String, Map<String, Object>> ai = new LinkedHashMap<>();
    /** Per AI answered by a model: {calls, tokens} the chain's earlier runs spent (its budgets go on counting). */
    public Map<String, java.util.List<Long>> aiSpent = new java.util.TreeMap<>();
    /** The run's settled Asks so far, the first of them (see {@link AsksKept}), and how many settled in all. */
    public java.util.List<dev.baton.runtime.DecisionProvider.Asked> asks = new java.util.ArrayList<>();
    public long askCount;
    /** The text of each earlier version of the program a workflow in the snapshot ran apart under, by digest (see {@code Migrator}). */
    public Map<String, String> earlierSources = new java.util.TreeMap<>();

    /**
     * The largest continue-as-new input the run may hand to Temporal inline, in bytes; 0 when a
     * blob store takes large payloads (then any size goes).
     */
    public long maxInlineBytes;
    /** A run that cannot continue as new fails once its history has this many events. */
    public long historyEventsLimit = BatonRunWorkflowImpl.HISTORY_EVENTS_LIMIT;
    /**
     * With a blob store: a run of the chain continues as new once it is this old (workflow time,
     * ms), even while it waits, so the blob its input lives in is never older than this — a blob
     * store lets blobs nobody reads expire, and a worker that replays the run must find its input.
     * 0: no limit (no blob store, or a run started by an earlier build).
     */
    public long maxRunAgeMs;
    /**
     * At most this many child workflows out at once; further runs apart are worked out by the
     * run's own worker, with the same result (0: no limit — a run started by an earlier build;
     * {@link #NO_CHILDREN}: none at all).
     */
    public int maxChildren;
    public static final int NO_CHILDREN = -1;
    /** The modules kept on the state store (see {@code Hot}); empty: none. */
    public java.util.List<String> hotModules = new java.util.ArrayList<>();
    /** The run's name on the store (its hot modules' records are {@code RUN:MODULE}); set by the first run of the chain. */
    public String hotRun;
    /**
     * A run spread over {@code partitions} workflows: this one's index (0: the run's own workflow,
     * which starts the others, {@code ID#p1} …, and gathers what they did), the modules split
     * among them, the workflow the others report to, whether they are started, and what those that
     * finished reported (base64, by index).
     */
    public int partition;
    public int partitions = 1;
    public java.util.List<String> split = new java.util.ArrayList<>();
    public String parentId;
    public boolean partitionsStarted;
    public java.util.Map<String, String> partitionResults = new java.util.TreeMap<>();
    /** When the other partitions' work settled (engine ms, by index), as far as the first has heard. */
    public java.util.Map<String, Long> partitionSettled = new java.util.TreeMap<>();

    public RunInput() {
    }

    /** Roughly the size of this input as a payload: the snapshot and the program dominate. */
    long inlineBytes() {
        long n = 1024;
        if (snapshot != null) n += snapshot.length();
        if (source != null) n += source.length() * 3L;
        for (String s : earlierSources.values()) n += s.length() * 3L;
        for (dev.baton.runtime.DecisionProvider.Asked a : asks) n += AsksKept.size(a);
        for (SignalItem i : pending) n += 64 + (i.payload == null ? 0 : i.payload.length());
        return n;
    }
}
