package dev.baton.serve;

import dev.baton.runtime.EndpointCall;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.EventBus;
import dev.baton.runtime.Inbox;
import dev.baton.runtime.Json;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.Stats;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.internal.journal.Durability;
import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.Conform;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.ValueError;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * A program served live: the embedded engine on real time, on one engine thread, taking
 * requests from any thread (the HTTP API's) and answering them durably.
 *
 * <h2>The engine thread's loop</h2>
 * <ol>
 *   <li>takes every request queued since the last turn — events, endpoint calls, workflow starts
 *       and cancels — validates them, journals them as one batch and applies them (events as a
 *       producer's, the rest as journaled commands, {@link Durability#COMMAND});</li>
 *   <li>runs the core up to the engine time of the wall clock (ticks, loads, handlers, replies);</li>
 *   <li>when anything is to be answered or streamed, journals a mark of the engine time reached
 *       and syncs the journal once — <em>group commit</em>: one sync covers every request of the
 *       turn, and the mark makes a restore replay at least to this time, so whatever is answered
 *       or streamed now (a command's reply, an emitted event, a workflow's result) is what the run
 *       will have done after any crash;</li>
 *   <li>then answers, writes the stream ({@link StreamLog}), answers reads and long polls;
 *       snapshots when due (never while a call from outside is open), and sleeps until the next
 *       task is due or a request comes.</li>
 * </ol>
 *
 * <h2>Idempotency</h2>
 * A mutation may carry an {@link Idem} key. Its answer is kept ({@link #RETENTION_MS}) in the
 * snapshot and rebuilt by a replay (the key travels with the journaled request), so a repeat
 * after completion — even after a restart — replays the stored answer; a repeat while the first
 * is in flight is a conflict (409); the same key with another body is refused (422).
 */
public final class Service implements Backend {
    /** How long an idempotency key's answer is kept, in wall-clock milliseconds (24 h). */
    public static final long RETENTION_MS = TimeUnit.HOURS.toMillis(24);
    /** At most this many keys are kept; beyond it the oldest go first (said in the docs). */
    public static final int MAX_KEYS = 1_000_000;
    /** How long a command waits for its endpoint's reply, in engine time, before answering 504. */
    static final long CALL_WAIT_MS = 30_000;
    /** The source (producer) of events that come over HTTP. */
    public static final String SOURCE = "http";
    /** The most engine time one turn of the loop runs (requests are taken between turns). */
    static final long TURN_MS = 10;
    /** How often, at most, the state of globals is streamed. */
    static final long STATE_EVERY_MS = 50;

    /** An answer to a request: an HTTP status and a JSON body (plain values). */
    public record Answer(int status, Object body, boolean replayed) {
        Answer(int status, Object body) {
            this(status, body, false);
        }

        Answer asReplay() {
            return new Answer(status, body, true);
        }
    }

    /** An idempotency key and the fingerprint of its request (method, path, body). */
    public record Idem(String key, String fingerprint) {
    }

    /** One event of a request: its name and payload (JSON text, already validated). */
    public record EventIn(String event, String payloadJson) {
    }

    private record Kept(String fingerprint, int status, String bodyJson, long atWallMs) {
    }

    /** A request waiting for the engine thread. */
    private static final class Request {
        final List<EventIn> events; // events, or null for a command
        final String command;       // ~call, ~start, ~cancel
        final String payloadJson;
        final Idem idem;
        final CompletableFuture<Answer> answer = new CompletableFuture<>();
        /** Answers of this request's items still to come (events). */
        int open;
        final List<Long> seqs = new ArrayList<>();
        /** The engine time the request's batch is applied at. */
        long atMs;
        String rejection;

        Request(List<EventIn> events, String command, String payloadJson, Idem idem) {
            this.events = events;
            this.command = command;
            this.payloadJson = payloadJson;
            this.idem = idem;
        }
    }

    /** A call from outside in flight: who waits for it (null in a replay) and under which key. */
    private record Outstanding(long handle, String target, Idem idem, Request request, long deadline) {
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();
    /** The program served (a deploy of a new version replaces it, on the engine thread). */
    private volatile Plan plan;
    private final EngineOptions options;
    private final StreamLog stream;
    private final Metrics metrics;
    private final ConcurrentLinkedQueue<Request> submitted = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> reads = new ConcurrentLinkedQueue<>();
    private final Map<String, Kept> kept = new LinkedHashMap<>(); // engine thread; guarded by itself for HTTP threads' checks
    private final Map<String, String> inFlight = new HashMap<>();   // key -> fingerprint; guarded by kept
    private final Map<Long, Request> bySeq = new HashMap<>();       // engine thread: the live request of a command item
    private final Map<Long, Outstanding> outstanding = new LinkedHashMap<>();
    private final List<Object[]> staged = new ArrayList<>();        // [Request, Answer] to give after the next sync
    private final Map<String, List<CompletableFuture<Answer>>> resultWaiters = new HashMap<>();
    private final List<Object[]> timedWaiters = new ArrayList<>();  // [id, future, wall deadline]
    private Durability durability;
    private volatile InstanceLog instanceLog;
    private Core core;
    private Thread engine;
    private volatile boolean stopping;
    private volatile Throwable died;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private long nextSeq = 1;
    private long paceBase;
    private final Map<String, Object> lastGlobals = new HashMap<>();
    private long lastStateWall;
    private long lastStatsWall;
    private long lastStatsEngine = -1;
    /** How often the counters go to the stream (for the console's live charts). */
    static final long STATS_EVERY_NS = 500_000_000L;
    private volatile Map<String, Object> statsView = Map.of();

    public Service(Plan plan, EngineOptions options, StreamLog stream) {
        this.plan = plan;
        this.options = options;
        this.stream = stream;
        this.metrics = new Metrics(this::statsView);
        this.instanceLog = new InstanceLog(plan);
    }

    @Override
    public Plan plan() {
        return plan;
    }

    @Override
    public StreamLog stream() {
        return stream;
    }

    // ================================================================== lifecycle

    /** Opens the data directory, restores the run (or starts it) and starts the engine thread; returns once it serves. */
    @Override
    public void start() throws IOException {
        durability = Durability.open(options.dataDir(), plan, options);
        durability.setCommands(new Commands());
        durability.setExtras(new KeptExtras());
        durability.setOnRestored(this::installHooks);
        try {
            if (durability.hasState()) {
                core = durability.restore(plan, options);
            } else {
                Core fresh = new Core(plan, options.seed(), options.faults(), durability.decisions());
                installHooks(fresh);
                fresh.start();
            }
            Long last = core.inboxPositions().get(SOURCE);
            nextSeq = last == null ? 1 : last + 1;
        } catch (IOException | RuntimeException e) {
            durability.close();
            throw e;
        }
        engine = new Thread(this::loop, "baton-engine");
        engine.start();
        try {
            ready.get();
        } catch (Exception e) {
            throw new IOException("the engine did not start: " + e.getMessage());
        }
    }

    /** The core's bus and error listener: what it emits and records goes to the stream (a replay's too, deduplicated there). */
    private void installHooks(Core c) {
        core = c;
        c.setBus(new Bus(c));
        c.setPublishInputs(false);
        c.setHandlerTimer(new Core.HandlerTimer() {
            @Override
            public long started() {
                return System.nanoTime();
            }

            @Override
            public void ran(int kind, int instance, int handler, long at, long started) {
                metrics.handlerRan(kind, System.nanoTime() - started);
                instanceLog.ran(kind, instance, handler, at);
            }
        });
        c.setErrorListener((ordinal, error, declared) -> stream.error(c.stats().eventsEmitted + ordinal, error, declared));
    }

    /** Stops accepting, finishes the turn, syncs, snapshots and stops the engine thread (graceful; idempotent). */
    @Override
    public void close() {
        stopping = true;
        if (engine != null) {
            LockSupport.unpark(engine);
            try {
                stopped.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the engine thread failed: what it failed on is in died
            }
        }
    }

    private volatile boolean held;

    /** True while a request with this idempotency key is in flight. */
    boolean inFlight(String key) {
        synchronized (kept) {
            return inFlight.containsKey(key);
        }
    }

    /** For tests: while held, the engine takes no new requests (they wait, in flight). */
    void hold(boolean h) {
        held = h;
        LockSupport.unpark(engine);
    }

    /** Why the engine thread died, or null while it runs. */
    @Override
    public Throwable died() {
        return died;
    }

    @Override
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    // ================================================================== requests (any thread)

    /** Events (already validated), journaled and synced before the answer (202 with their sequence numbers). */
    @Override
    public CompletableFuture<Answer> events(List<EventIn> events, Idem idem) {
        return submit(new Request(events, null, null, idem));
    }

    /** An {@code /execute} endpoint call, answered with its reply once the reply is durable. */
    @Override
    public CompletableFuture<Answer> call(EndpointCall call, Idem idem) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("target", call.target());
        p.put("args", Json.toPlain(call.args()));
        return submit(new Request(null, "~call", Json.write(p), idem));
    }

    /** Starts workflow {@code workflow} (id null: the engine names it) with arguments (already checked). */
    @Override
    public CompletableFuture<Answer> start(String workflow, String id, Object argsPlain, Idem idem) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("workflow", workflow);
        if (id != null) p.put("id", id);
        p.put("args", argsPlain);
        return submit(new Request(null, "~start", Json.write(p), idem));
    }

    @Override
    public CompletableFuture<Answer> cancel(String id, Idem idem) {
        return submit(new Request(null, "~cancel", Json.write(Map.of("id", id)), idem));
    }

    private CompletableFuture<Answer> submit(Request r) {
        if (stopping || died != null) return CompletableFuture.completedFuture(unavailable());
        if (r.idem != null) {
            synchronized (kept) {
                Kept k = kept.get(r.idem.key());
                Answer early = judge(r.idem, k == null ? null : k.fingerprint(), k == null ? null : new Answer(k.status(), plainOf(k.bodyJson())),
                        inFlight.get(r.idem.key()));
                if (early != null) return CompletableFuture.completedFuture(early);
                inFlight.put(r.idem.key(), r.idem.fingerprint());
            }
        }
        submitted.add(r);
        LockSupport.unpark(engine);
        return r.answer;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String json) {
        Object o = plainOf(json);
        if (!(o instanceof Map<?, ?>)) throw new IllegalArgumentException("not a JSON object");
        return (Map<String, Object>) o;
    }

    static Object plainOf(String json) {
        try {
            return MAPPER.readValue(json, Object.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What a request under {@code idem} gets before it runs, following the Idempotency-Key draft: the
     * answer kept under the key, replayed; 422 when the key was used with another request; 409 while
     * the first request with it is in flight; null to go on (the caller then marks it in flight).
     *
     * @param keptFingerprint the fingerprint recorded under the key (null: none)
     * @param kept            the answer recorded under it (null: none yet)
     * @param inFlightFingerprint the fingerprint of the request with the key now in flight (null: none)
     */
    static Answer judge(Idem idem, String keptFingerprint, Answer kept, String inFlightFingerprint) {
        if (keptFingerprint != null && !keptFingerprint.equals(idem.fingerprint())) return keyReused();
        if (kept != null) return new Answer(kept.status(), kept.body(), true);
        if (inFlightFingerprint != null) return inFlightFingerprint.equals(idem.fingerprint()) ? inProgress(idem.key()) : keyReused();
        return null;
    }

    static Answer inProgress(String key) {
        return Problems.answer(409, "request-in-progress", "A request with this key is in progress",
                "the first request with Idempotency-Key '" + key + "' has not been answered yet; repeat it later", null);
    }

    static Answer keyReused() {
        return Problems.answer(422, "idempotency-key-reused", "Idempotency-Key reused with another request",
                "this Idempotency-Key was used with a different request (method, path or body); use a new key for a new request", null);
    }

    private static Answer unavailable() {
        return Problems.answer(503, "stopping", "The service is stopping", "it takes no more requests; retry against it once it is back", null);
    }

    @Override
    public String engine() {
        return "embedded";
    }

    @Override
    public Metrics metrics() {
        return metrics;
    }

    @Override
    public CompletableFuture<Map<String, Object>> inspect(dev.baton.runtime.Inspect.Request r) {
        return read(c -> {
            Map<String, Object> out = dev.baton.runtime.Inspect.run(c, r);
            if (out != null && r.kind().equals("instance")) out.put("journal", instanceLog.recent(instanceLog.indexOf((String) out.get("name"))));
            return out;
        });
    }

    /**
     * Deploys a new version of the program into the running service (its text): checked, compiled
     * with the service's parameters, and the run moved to it ({@code Migrator}) between two turns,
     * durably, before the answer — 200 with what moved; 422 when the text does not check; 409 when
     * the run cannot move (every reason, with positions; nothing changed); 503 while calls from
     * outside are under way.
     */
    @Override
    public CompletableFuture<Answer> deploy(String source) {
        CompletableFuture<Answer> out = new CompletableFuture<>();
        if (died != null || stopped.isDone()) {
            out.complete(unavailable());
            return out;
        }
        reads.add(() -> {
            try {
                out.complete(deployNow(source));
            } catch (java.io.IOException e) {
                died = e;
                out.complete(Problems.answer(500, "deploy-failed", "Deploy failed", "the moved run could not be made durable (" + e.getMessage()
                        + "); the service stops: start it again with the new program to finish the move", null));
                stopping = true;
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        LockSupport.unpark(engine);
        return out;
    }

    private Answer deployNow(String source) throws java.io.IOException {
        NewVersion next = NewVersion.of(plan, source);
        if (next.problem() != null) return next.problem();
        Plan to = next.plan();
        if (to.meaning.equals(plan.meaning)) return NewVersion.sameProgram();
        if (core.outsideCallsOpen()) return unavailable();
        dev.baton.runtime.internal.exec.Migrator.Outcome moved;
        try {
            moved = dev.baton.runtime.internal.exec.Migrator.migrate(core, to);
        } catch (dev.baton.runtime.internal.exec.Migrator.Refused refused) {
            return NewVersion.cannotMove(plan.version, to.version, refused.reasons);
        }
        Plan from = plan;
        Core c = moved.core();
        stream.flush();
        durability.moved(from, to, c, moved.summary());
        instanceLog = new InstanceLog(to);
        plan = to;
        installHooks(c);
        c.setWallClock(() -> (System.nanoTime() - paceBase) / 1_000_000L);
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("moved", true);
        body.putAll(moved.summary());
        return new Answer(200, body);
    }

    /** Runs {@code f} against the core on the engine thread, between two turns (reads: state, workflows, instances). */
    public <T> CompletableFuture<T> read(Function<Core, T> f) {
        CompletableFuture<T> out = new CompletableFuture<>();
        if (died != null || stopped.isDone()) {
            out.completeExceptionally(new IllegalStateException("the engine is not running"));
            return out;
        }
        reads.add(() -> {
            try {
                out.complete(f.apply(core));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        LockSupport.unpark(engine);
        return out;
    }

    /** A {@code /return} query: answered at once from the live state, changing nothing and journaling nothing. */
    @Override
    public CompletableFuture<Answer> query(EndpointCall call) {
        return read(c -> {
            Object reply;
            try {
                reply = c.query(call.module(), call.key(), call.endpoint(), call.args());
                if (reply == Core.NEEDS_ENGINE) {
                    Core copy = CoreCodec.copy(c);
                    reply = copy.runUntilReply(copy.callFromOutside("query", call.module(), call.key(), call.endpoint(), call.args()), CALL_WAIT_MS);
                    if (reply == null) return Problems.answer(504, "no-reply", "No reply", call.target() + " did not reply within "
                            + CALL_WAIT_MS + " ms of engine time", null);
                }
            } catch (ValueError e) {
                reply = new CallFailure(e.getMessage());
            }
            return callAnswer(call.target(), reply);
        });
    }

    /** The workflow's result once it has ended (within {@code waitMs} of wall time; else its state so far, with 200 and status RUNNING). */
    @Override
    public CompletableFuture<Answer> result(String id, long waitMs) {
        CompletableFuture<Answer> out = new CompletableFuture<>();
        read(c -> {
            Map<String, Object> w = c.describeWorkflow(id);
            if (w == null) {
                out.complete(Problems.answer(404, "no-such-workflow", "No such workflow", "the run has no workflow '" + id + "'", null));
            } else if (ended(w) || waitMs <= 0) {
                out.complete(new Answer(200, resultBody(id, w)));
            } else {
                resultWaiters.computeIfAbsent(id, k -> new ArrayList<>()).add(out);
                timedWaiters.add(new Object[] {id, out, System.nanoTime() + waitMs * 1_000_000L});
            }
            return null;
        }).exceptionally(e -> {
            out.complete(unavailable());
            return null;
        });
        return out;
    }

    static boolean ended(Map<String, Object> w) {
        Object s = w.get("status");
        return "COMPLETED".equals(s) || "FAILED".equals(s) || "CANCELLED".equals(s);
    }

    static Map<String, Object> resultBody(String id, Map<String, Object> w) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("workflow", w.get("workflow"));
        out.put("status", w.get("status"));
        if (w.containsKey("result")) out.put("result", w.get("result"));
        if (w.containsKey("error")) out.put("failure", w.get("error"));
        return out;
    }

    /** The run's counters as of the last turn (for metrics; any thread). */
    @Override
    public Map<String, Object> statsView() {
        return statsView;
    }

    // ================================================================== the engine thread

    private void loop() {
        try {
            paceBase = System.nanoTime() - core.now() * 1_000_000L;
            core.setWallClock(() -> (System.nanoTime() - paceBase) / 1_000_000L);
            publishStats();
            ready.complete(null);
            long lastSnapshot = core.now();
            while (true) {
                boolean stop = stopping;
                if (!held) durability.acceptInboxUnsynced(core, inbox);
                // a turn covers at most one slice of engine time, so requests are taken that often even when the
                // run falls behind the wall clock (a heavy load): it then catches up slice by slice
                long target = Math.min((System.nanoTime() - paceBase) / 1_000_000L, core.now() + TURN_MS);
                // at least what is due now (what was just accepted): a replay runs to each batch's time before the next
                if (target >= core.now()) core.runUntil(target);
                collectReplies();
                // a mark (one small journal record and a sync) only when something is to be answered or shown:
                // an idle service writes nothing
                Map<String, Object> changed = System.nanoTime() - lastStateWall >= STATE_EVERY_MS * 1_000_000L ? changedGlobals() : Map.of();
                boolean due = !staged.isEmpty() || stream.hasPending() || !changed.isEmpty() || waitersReady()
                        || System.nanoTime() - lastStatsWall >= STATS_EVERY_NS && core.now() != lastStatsEngine;
                if (due || stop) {
                    long t0 = System.nanoTime();
                    durability.mark(core.now());
                    durability.sync();
                    metrics.journalSync(System.nanoTime() - t0);
                    stream.release(core.now());
                    answerStaged();
                    if (!changed.isEmpty()) {
                        stream.state(core.now(), changed);
                        lastStateWall = System.nanoTime();
                    }
                    wakeResultWaiters();
                    publishStats();
                    if (System.nanoTime() - lastStatsWall >= STATS_EVERY_NS) {
                        lastStatsWall = System.nanoTime();
                        stream.stats(core.now(), statsView);
                        lastStatsEngine = core.now();
                        // the program's Report, live, for whoever watches (every other stats push: once a second)
                        if (plan.report != null && stream.watched() && (++statsPushes & 1) == 0) stream.report(dev.baton.runtime.Inspect.report(core));
                    }
                }
                Runnable r;
                while ((r = reads.poll()) != null) r.run();
                expireWaiters();
                if ((stop || core.now() - lastSnapshot >= options.snapshotEvery().toMillis()) && !core.outsideCallsOpen()) {
                    stream.flush();
                    durability.snapshot(core);
                    lastSnapshot = core.now();
                }
                if (stop) break;
                sleep();
            }
            // graceful: nothing is left half-answered
            for (Request q; (q = submitted.poll()) != null; ) q.answer.complete(unavailable());
            for (Outstanding o : outstanding.values()) if (o.request() != null) o.request().answer.complete(unavailable());
            durability.close();
            stream.close();
            stopped.complete(null);
        } catch (Throwable e) {
            died = e;
            ready.completeExceptionally(e);
            for (Request q; (q = submitted.poll()) != null; ) q.answer.complete(unavailable());
            try {
                durability.close();
            } catch (IOException ignored) {
                // the run is resumable from what is durable
            }
            stopped.completeExceptionally(e);
        }
    }

    /** Until the next task is due, a request comes, or 50 ms pass (state and long polls are looked at that often). */
    private void sleep() {
        if (!submitted.isEmpty() && !held || !reads.isEmpty() || stopping) return;
        long next = core.nextTime();
        long nowEngine = (System.nanoTime() - paceBase) / 1_000_000L;
        long waitMs = next == Long.MAX_VALUE ? STATE_EVERY_MS : Math.min(STATE_EVERY_MS, next - nowEngine);
        if (waitMs <= 0) return;
        LockSupport.parkNanos(waitMs * 1_000_000L);
    }

    private final Inbox inbox = new Inbox() {
        private final IdentityHashMap<Item, Request> owner = new IdentityHashMap<>();

        @Override
        public List<Item> poll() {
            List<Item> out = new ArrayList<>();
            owner.clear();
            Request r;
            while (out.size() < 100_000 && (r = submitted.poll()) != null) {
                r.atMs = core.now();
                if (r.events != null) {
                    for (EventIn e : r.events) {
                        Item it = new Item(SOURCE, nextSeq++, e.event(), e.payloadJson());
                        r.seqs.add(it.seq());
                        r.open++;
                        owner.put(it, r);
                        out.add(it);
                    }
                    if (r.idem != null) {
                        // the answer is known now: journaled with the events, so a replay keeps it too
                        Map<String, Object> p = new LinkedHashMap<>();
                        p.put("key", r.idem.key());
                        p.put("fp", r.idem.fingerprint());
                        p.put("status", 202);
                        p.put("body", eventsBody(r));
                        p.put("at", System.currentTimeMillis());
                        Item it = new Item(SOURCE, nextSeq++, "~answer", Json.write(p));
                        r.open++;
                        owner.put(it, r);
                        out.add(it);
                    }
                } else {
                    String payload = r.payloadJson;
                    if (r.idem != null) {
                        Map<String, Object> p = new LinkedHashMap<>(object(payload));
                        p.put("key", r.idem.key());
                        p.put("fp", r.idem.fingerprint());
                        p.put("at", System.currentTimeMillis());
                        payload = Json.write(p);
                    }
                    Item it = new Item(SOURCE, nextSeq++, r.command, payload);
                    r.open = 1;
                    owner.put(it, r);
                    bySeq.put(it.seq(), r);
                    out.add(it);
                }
            }
            return out;
        }

        @Override
        public boolean closed() {
            return false;
        }

        @Override
        public void acknowledge(Item item, String rejection) {
            Request r = owner.get(item);
            if (r == null) return;
            if (rejection != null && r.rejection == null) r.rejection = rejection;
            if (--r.open > 0) return;
            bySeq.remove(item.seq());
            if (r.rejection != null) {
                stage(r, rejected(r.rejection));
            } else if (r.events != null) {
                metrics.eventsIn(r.events);
                stage(r, new Answer(202, eventsBody(r)));
            }
            // an accepted command is answered by its application (Commands.apply), staged there
        }
    };

    private static Map<String, Object> eventsBody(Request r) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("accepted", r.events.size());
        b.put("producer", SOURCE);
        b.put("seqs", List.copyOf(r.seqs));
        b.put("at_ms", r.atMs);
        return b;
    }

    /** A rejection from validation: "NNN text" carries its status. */
    private static Answer rejected(String why) {
        int status = 422;
        String text = why;
        if (why.length() > 4 && Character.isDigit(why.charAt(0)) && why.charAt(3) == ' ') {
            status = Integer.parseInt(why.substring(0, 3));
            text = why.substring(4);
        }
        return Problems.answer(status, status == 404 ? "not-found" : "invalid-request", status == 404 ? "Not found" : "Invalid request", text, null);
    }

    private void stage(Request r, Answer a) {
        if (r != null) staged.add(new Object[] {r, a});
    }

    private void answerStaged() {
        for (Object[] s : staged) {
            Request r = (Request) s[0];
            Answer a = (Answer) s[1];
            if (r.idem != null) {
                synchronized (kept) {
                    inFlight.remove(r.idem.key());
                }
            }
            r.answer.complete(a);
        }
        staged.clear();
    }

    /** Replies of calls from outside that came this turn; a call whose time ran out is answered 504. */
    private void collectReplies() {
        if (outstanding.isEmpty()) return;
        for (java.util.Iterator<Outstanding> it = outstanding.values().iterator(); it.hasNext(); ) {
            Outstanding o = it.next();
            Object reply = core.outsideReply(o.handle());
            Answer a;
            if (reply != null) {
                a = callAnswer(o.target(), reply);
            } else if (core.now() >= o.deadline()) {
                a = Problems.answer(504, "no-reply", "No reply", o.target() + " did not reply within " + CALL_WAIT_MS + " ms of engine time", null);
            } else {
                continue;
            }
            it.remove();
            keep(o.idem(), a);
            stage(o.request(), a);
        }
    }

    static Answer callAnswer(String target, Object reply) {
        if (reply instanceof CallFailure f) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("target", target);
            extra.put("failure", f.message());
            return Problems.answer(422, "endpoint-failed", "The endpoint failed", target + " failed: " + f.message(), extra);
        }
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("target", target);
        b.put("value", Json.toPlain(reply));
        return new Answer(200, b);
    }

    /** Keeps an answer under its key (live and in a replay alike), dropping what is past retention. */
    private void keep(Idem idem, Answer a) {
        keep(idem, a, System.currentTimeMillis());
    }

    private void keep(Idem idem, Answer a, long at) {
        if (idem == null) return;
        synchronized (kept) {
            kept.put(idem.key(), new Kept(idem.fingerprint(), a.status(), Json.write(a.body()), at));
            long horizon = System.currentTimeMillis() - RETENTION_MS;
            for (java.util.Iterator<Kept> it = kept.values().iterator(); it.hasNext(); ) {
                Kept k = it.next();
                if (k.atWallMs() >= horizon && kept.size() <= MAX_KEYS) break;
                it.remove();
            }
        }
    }

    /** Journaled commands: validated and applied on the engine thread, live and in a replay. */
    private final class Commands implements Durability.Commands {
        @Override
        public String validate(Inbox.Item item) {
            Map<String, Object> p;
            try {
                p = object(item.payloadJson());
            } catch (RuntimeException e) {
                return "not a command: " + e.getMessage();
            }
            switch (item.event()) {
                case "~answer":
                    return null;
                case "~call":
                    try {
                        EndpointCall.parse(plan, (String) p.get("target"), Json.write(p.get("args")));
                        return null;
                    } catch (IllegalArgumentException e) {
                        return e.getMessage();
                    }
                case "~start":
                    return plan.workflows.stream().anyMatch(w -> w.name().equals(p.get("workflow"))) ? null
                            : "404 the program has no workflow '" + p.get("workflow") + "'";
                case "~cancel":
                    return core.describeWorkflow(String.valueOf(p.get("id"))) != null ? null : "404 the run has no workflow '" + p.get("id") + "'";
                default:
                    return "unknown command " + item.event();
            }
        }

        @Override
        public void apply(Core c, Inbox.Item item, boolean replay) {
            Map<String, Object> p = object(item.payloadJson());
            Idem idem = p.get("key") == null ? null : new Idem((String) p.get("key"), (String) p.get("fp"));
            long at = p.get("at") instanceof Number n ? n.longValue() : System.currentTimeMillis();
            Request live = replay ? null : bySeq.get(item.seq());
            switch (item.event()) {
                case "~answer" -> keep(idem, new Answer(((Number) p.get("status")).intValue(), p.get("body")), at);
                case "~call" -> {
                    EndpointCall call = EndpointCall.parse(plan, (String) p.get("target"), Json.write(p.get("args")));
                    long handle = c.callFromOutside(SOURCE + "-" + item.seq(), call.module(), call.key(), call.endpoint(), call.args());
                    outstanding.put(handle, new Outstanding(handle, call.target(), idem, live, c.now() + CALL_WAIT_MS));
                    metrics.command(call.target());
                }
                case "~start" -> {
                    String name = (String) p.get("workflow");
                    int wf = -1;
                    for (Plan.WorkflowPlan w : plan.workflows) if (w.name().equals(name)) wf = w.index();
                    Plan.WorkflowPlan wp = plan.workflows.get(wf);
                    Object args = Conform.coerce(wp.paramsType(), Json.parse(Json.write(p.get("args") == null ? Map.of() : p.get("args"))));
                    Object id = p.get("id") == null ? None.NONE : p.get("id");
                    boolean existed = id != None.NONE && c.describeWorkflow(String.valueOf(id)) != null;
                    String wid = c.startWorkflow(null, wf, args, id);
                    Map<String, Object> b = new LinkedHashMap<>();
                    b.put("id", wid);
                    b.put("workflow", name);
                    b.put("created", !existed);
                    b.put("status", c.describeWorkflow(wid).get("status"));
                    Answer a = new Answer(existed ? 200 : 201, b);
                    keep(idem, a, at);
                    stage(live, a);
                }
                case "~cancel" -> {
                    String id = String.valueOf(p.get("id"));
                    c.cancelWorkflow(null, id);
                    Map<String, Object> w = c.describeWorkflow(id);
                    Map<String, Object> b = new LinkedHashMap<>();
                    b.put("id", id);
                    b.put("status", w == null ? "UNKNOWN" : w.get("status"));
                    Answer a = new Answer(202, b);
                    keep(idem, a, at);
                    stage(live, a);
                }
                default -> throw new IllegalStateException("unknown command " + item.event());
            }
        }
    }

    /** The idempotency answers, kept in every snapshot. */
    private final class KeptExtras implements Durability.Extras {
        @Override
        public void write(DataOutputStream out) throws IOException {
            synchronized (kept) {
                out.writeInt(kept.size());
                for (Map.Entry<String, Kept> e : kept.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeUTF(e.getValue().fingerprint());
                    out.writeInt(e.getValue().status());
                    byte[] body = e.getValue().bodyJson().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    out.writeInt(body.length);
                    out.write(body);
                    out.writeLong(e.getValue().atWallMs());
                }
            }
        }

        @Override
        public void read(DataInputStream in) throws IOException {
            synchronized (kept) {
                kept.clear();
                if (in.available() <= 0) return;
                int n = in.readInt();
                for (int i = 0; i < n; i++) {
                    String key = in.readUTF();
                    String fp = in.readUTF();
                    int status = in.readInt();
                    byte[] body = in.readNBytes(in.readInt());
                    long at = in.readLong();
                    kept.put(key, new Kept(fp, status, new String(body, java.nio.charset.StandardCharsets.UTF_8), at));
                }
            }
        }
    }

    /** What the program emits goes to the stream (published once durable, {@link StreamLog#release}). */
    private final class Bus implements EventBus {
        private final Core c;

        Bus(Core c) {
            this.c = c;
        }

        @Override
        public void publish(long time, String event, Object payload) {
            publish(time, c.stats().eventsEmitted, event, payload);
        }

        @Override
        public void publish(long time, long seq, String event, Object payload) {
            Stats s = c.stats();
            stream.emitted(seq + s.errors + s.failures, time, event, payload);
        }
    }

    /** The globals changed since they were last streamed (values are immutable: a changed one is another object). */
    private Map<String, Object> changedGlobals() {
        Map<String, Object> changed = new LinkedHashMap<>();
        core.globals().forEach((k, v) -> {
            if (lastGlobals.get(k) != v) {
                lastGlobals.put(k, v);
                changed.put(k, Json.toPlain(v));
            }
        });
        return changed;
    }

    private boolean waitersReady() {
        for (String id : resultWaiters.keySet()) {
            Map<String, Object> w = core.describeWorkflow(id);
            if (w != null && ended(w)) return true;
        }
        return false;
    }

    private void wakeResultWaiters() {
        if (resultWaiters.isEmpty()) return;
        for (java.util.Iterator<Map.Entry<String, List<CompletableFuture<Answer>>>> it = resultWaiters.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, List<CompletableFuture<Answer>>> e = it.next();
            Map<String, Object> w = core.describeWorkflow(e.getKey());
            if (w != null && ended(w)) {
                for (CompletableFuture<Answer> f : e.getValue()) f.complete(new Answer(200, resultBody(e.getKey(), w)));
                it.remove();
            }
        }
    }

    private void expireWaiters() {
        if (timedWaiters.isEmpty()) return;
        long now = System.nanoTime();
        for (java.util.Iterator<Object[]> it = timedWaiters.iterator(); it.hasNext(); ) {
            Object[] w = it.next();
            @SuppressWarnings("unchecked")
            CompletableFuture<Answer> f = (CompletableFuture<Answer>) w[1];
            if (f.isDone()) {
                it.remove();
            } else if (now - (long) w[2] >= 0) {
                Map<String, Object> d = core.describeWorkflow((String) w[0]);
                f.complete(new Answer(200, resultBody((String) w[0], d)));
                List<CompletableFuture<Answer>> list = resultWaiters.get((String) w[0]);
                if (list != null) {
                    list.remove(f);
                    if (list.isEmpty()) resultWaiters.remove((String) w[0]);
                }
                it.remove();
            }
        }
    }

    private void publishStats() {
        Stats s = core.stats();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("engine_ms", core.now());
        v.put("events_emitted", s.eventsEmitted);
        v.put("handler_runs", s.handlerRuns);
        v.put("handler_failures", s.handlerFailures);
        v.put("errors", s.errors);
        v.put("failures", s.failures);
        v.put("calls", s.callsSent);
        v.put("calls_failed", s.callsFailed);
        v.put("workflows_started", s.workflowsStarted);
        v.put("workflows_completed", s.workflowsCompleted);
        v.put("workflows_failed", s.workflowsFailed);
        v.put("workflows_cancelled", s.workflowsCancelled);
        v.put("sagas_compensating", s.sagasCompensating);
        v.put("ticks", s.ticks);
        v.put("instances", core.instanceCount());
        // counting workflows by status walks all of them: at most every STATS_EVERY_MS, not every turn
        if (workflowsView == null || System.nanoTime() - workflowsCountedAt >= STATE_EVERY_MS * 1_000_000L) {
            workflowsView = core.workflowsByStatus();
            workflowsCountedAt = System.nanoTime();
        }
        v.put("workflows", workflowsView);
        v.put("event_counts", core.eventCounts());
        statsView = v;
    }

    private Map<String, Long> workflowsView;
    private long statsPushes;
    private long workflowsCountedAt;
}
