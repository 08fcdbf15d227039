package dev.baton.runtime.plan;

import dev.baton.lang.SourceFile;
import dev.baton.lang.types.Type;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A compiled program: the only thing an engine sees. Modules, workflows, events, loads and
 * global state, with every name resolved to an index.
 */
public final class Plan {
    public final SourceFile file;
    public final long version;
    /** A digest of the source text: a data directory written by another program is refused. */
    public final String digest;
    /**
     * A digest of what the program means — its tokens, without comments and layout: a data
     * directory written by a program of the same meaning resumes. Set by the compiler.
     */
    public String meaning = "";
    /** The digest of each top-level declaration's meaning, by name ({@code Workflow Pursue}), to say what changed. */
    public Map<String, String> declarations = Map.of();
    /**
     * The program's {@code Migration from N} blocks: by N, each module block's body (run against an
     * instance's state when a run of version N moves to this one), by module name; and the names of
     * the workflows its workflow blocks name.
     */
    public Map<Long, Migration> migrations = Map.of();

    /**
     * One {@code Migration from N}: its module blocks' bodies by module, and its workflow blocks'
     * by workflow (each compiled over the workflow's own local slots, so a {@code let x} there sets
     * the workflow's {@code x}).
     */
    public record Migration(long from, Map<String, Body> modules, Map<String, Body> workflows) {
    }
    public final List<ModulePlan> modules;
    public final List<WorkflowPlan> workflows;
    public final List<EventPlan> events;
    public final List<LoadPlan> loads;
    public final Map<String, Ev> globals;
    public final List<Body> bodies;
    public final Map<String, Map<String, Object>> ais;
    /** Declared breaking points ({@code Fault}). */
    public final List<FaultPlan> faults;
    /** The {@code Report} figures, evaluated against the final state; null when none. */
    public final Ev report;
    /** Declared parameters with the values this plan was compiled with. */
    public final Map<String, Object> params;
    /**
     * The modules that can live on the state store (hot modules, see {@code HotModules}), by name,
     * each with the globals it owns (writes, and nothing else does); in declaration order.
     */
    public final Map<String, java.util.Set<String>> storable;
    /** The storable modules that a module with many instances calls: what an engine that spreads a run puts on the store by default. */
    public final List<String> hot;
    /**
     * The modules a run spread over partitions splits (see {@code Partitions}), sharing {@link #hot};
     * empty when it cannot be spread, and then {@link #unsplittable} says why (with its position).
     */
    public final List<String> split;
    public final String unsplittable;

    public Plan(SourceFile file, long version, String digest, List<ModulePlan> modules, List<WorkflowPlan> workflows,
                List<EventPlan> events, List<LoadPlan> loads, Map<String, Ev> globals, List<Body> bodies,
                Map<String, Map<String, Object>> ais, List<FaultPlan> faults, Ev report, Map<String, Object> params,
                Map<String, java.util.Set<String>> storable, List<String> hot, List<String> split, String unsplittable) {
        this.storable = storable;
        this.hot = hot;
        this.split = split;
        this.unsplittable = unsplittable;
        this.faults = faults;
        this.report = report;
        this.params = params;
        this.file = file;
        this.version = version;
        this.digest = digest;
        this.modules = modules;
        this.workflows = workflows;
        this.events = events;
        this.loads = loads;
        this.globals = globals;
        this.bodies = bodies;
        this.ais = ais;
        for (int i = 0; i < modules.size(); i++) moduleIndex.putIfAbsent(modules.get(i).name, i);
        for (int i = 0; i < events.size(); i++) eventIndex.putIfAbsent(events.get(i).name, i);
    }

    /** Names to positions: a lookup per event or call must not scan every module (programs may have thousands). */
    private final Map<String, Integer> moduleIndex = new java.util.HashMap<>();
    private final Map<String, Integer> eventIndex = new java.util.HashMap<>();

    public int moduleIndex(String name) {
        Integer i = moduleIndex.get(name);
        return i == null ? -1 : i;
    }

    public int eventIndex(String name) {
        Integer i = eventIndex.get(name);
        return i == null ? -1 : i;
    }

    /** Missed-tick policies. */
    public enum Missed { SKIP, COALESCE, CATCH_UP }

    public static final class ModulePlan {
        public final int index;
        public final String name;
        public final List<Object> keys;
        public final List<String> stateNames;
        public final List<Ev> stateInits;
        public final List<Endpoint> endpoints;
        public final List<Tick> ticks;
        /** Handlers by event index (null when this module does not handle the event). */
        public final Map<Integer, On> handlers;
        private final On[] onByEvent;

        public ModulePlan(int index, String name, List<Object> keys, List<String> stateNames, List<Ev> stateInits,
                          List<Endpoint> endpoints, List<Tick> ticks, Map<Integer, On> handlers) {
            this.index = index;
            this.name = name;
            this.keys = keys;
            this.stateNames = stateNames;
            this.stateInits = stateInits;
            this.endpoints = endpoints;
            this.ticks = ticks;
            this.handlers = handlers;
            int n = 0;
            for (int e : handlers.keySet()) n = Math.max(n, e + 1);
            this.onByEvent = new On[n];
            handlers.forEach((e, on) -> onByEvent[e] = on);
        }

        /** The handler of event {@code e}, or null: the per-event lookup, without boxing or hashing. */
        public On handler(int e) {
            return e < onByEvent.length ? onByEvent[e] : null;
        }

        public int endpointIndex(String name) {
            for (int i = 0; i < endpoints.size(); i++) if (endpoints.get(i).name().equals(name)) return i;
            return -1;
        }
    }

    /**
     * An endpoint; {@code defaults} has, per parameter, its default value's expression (null when
     * it has none); {@code paramsType} is the record its arguments must fit (a parameter with a
     * default may be left out), for calls from outside the program; {@code returns} what it answers
     * ({@code None} when it declares nothing).
     */
    public record Endpoint(String name, boolean query, Body body, List<String> params, int[] paramSlots, List<Ev> defaults,
                           dev.baton.lang.types.Type paramsType, dev.baton.lang.types.Type returns) {
    }

    public record Tick(int index, Duration period, Missed missed, Body body) {
    }

    /** An ON handler; {@code route} is null when every instance receives the event. */
    public record On(Body body, Ev route) {
    }

    /**
     * A workflow; {@code detachable}: self-contained (its outcome depends only on its arguments,
     * start time and own random draws), so a {@code Run} of it may execute apart from the run —
     * in a core of its own, or as a Temporal child workflow — with exactly the same result;
     * {@code paramsType} is the record a start's arguments must fit; {@code returns} the result
     * type it declares ({@code -> T}), {@link Type#ANY} when it declares none.
     */
    public record WorkflowPlan(int index, String name, Body body, List<String> params, int[] paramSlots, List<Ev> defaults,
                               long maxDepth, long maxChildren, boolean detachable, Type paramsType, Type returns) {
    }

    /** {@code Fault name [at, module, key, down]}: instance {@code instance} crashes at {@code atMs} for {@code downMs}. */
    public record FaultPlan(String name, long atMs, int module, Object key, long downMs) {
    }

    public record EventPlan(int index, String name, Type payload) {
    }

    /** A load generator; {@code actorSlot} and {@code seqSlot} are -1 when its body never reads them. */
    public record LoadPlan(int index, String name, long population, double rate, long total, Duration start, Duration duration,
                           Body body, int actorSlot, int seqSlot, Ev until) {
    }
}
