package dev.baton.temporal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a child workflow needs to run one self-contained Baton workflow apart (see
 * {@code dev.baton.runtime.internal.exec.Detached}): the program, the workflow and its arguments,
 * where it starts on the run's timeline, its random stream, and the run's engine-time limit.
 */
public final class ChildInput {
    public String file;
    public String source;
    public Map<String, String> params = new LinkedHashMap<>();
    public String faults = "";
    /** The run's {@code --ai} overrides (see {@link RunInput#ai}). */
    public Map<String, Map<String, Object>> ai = new LinkedHashMap<>();
    /** The run's workflow id: children of children are named under it too. */
    public String runId;
    /** The Baton workflow's id in the run (e.g. {@code campaign-g0/Pursue-2}). */
    public String id;
    public int workflow;
    /** Its arguments, encoded by the core's value codec (Base64). */
    public String args;
    public long startedAt;
    public long seq;
    public int depth;
    public long seed;
    public long limitMs;
    /** At most this many of its own children out at once (0: no limit; negative: none); see {@link ChildWorkflows}. */
    public int maxChildren;
    /** Past this history length, its runs apart are worked out in the workflow itself (0: no limit). */
    public long historyRoom;

    public ChildInput() {
    }

    /** This template's program, faults, run id, limit and bounds, for a child workflow running {@code run}. */
    ChildInput forRun(dev.baton.runtime.internal.exec.Detached run) {
        ChildInput in = new ChildInput();
        in.file = file;
        in.source = source;
        in.params = params;
        in.faults = faults;
        in.ai = ai;
        in.runId = runId;
        in.limitMs = limitMs;
        in.maxChildren = maxChildren;
        in.historyRoom = historyRoom;
        in.id = run.id;
        in.workflow = run.workflow;
        in.args = java.util.Base64.getEncoder().encodeToString(dev.baton.runtime.internal.exec.CoreCodec.valueBytes(run.args));
        in.startedAt = run.startedAt;
        in.seq = run.seq;
        in.depth = run.depth;
        in.seed = run.seed;
        return in;
    }

    /** The run apart this input is for (the inverse of {@link #forRun}). */
    dev.baton.runtime.internal.exec.Detached run() {
        return new dev.baton.runtime.internal.exec.Detached(id, workflow,
                dev.baton.runtime.internal.exec.CoreCodec.value(java.util.Base64.getDecoder().decode(args)), startedAt, seq, depth, seed);
    }
}
