package dev.baton.serve;

import dev.baton.runtime.EndpointCall;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.EventBus;
import dev.baton.runtime.Inbox;
import dev.baton.runtime.Inspect;
import dev.baton.runtime.Json;
import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.plan.Plan;
import dev.baton.temporal.TemporalEngine;
import dev.baton.temporal.TemporalTls;
import dev.baton.temporal.WorkflowCommand;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code baton serve --engine temporal}: the same routes and answers, with the program running as
 * a Baton run on Temporal (the run workflow of {@code baton run --engine temporal}, whose worker
 * this process hosts). Events are the run's signals — answered 202 once Temporal has them, so
 * nothing answered is lost; {@code /execute} endpoints and workflow starts and cancels are
 * updates (recorded in the run's history, answered with their outcome); {@code /return}
 * endpoints and every read are queries of the live run. Emitted events reach {@code /stream}
 * through the worker's publishing activity, numbered by their sequence in the run (published at
 * least once, streamed once). Idempotency answers are kept in the data directory
 * ({@link IdempotencyFile}).
 *
 * <p>One process serves a run at a time (the data directory is held); stopping it leaves the run
 * on Temporal, waiting — the same command serves it again.
 */
public final class TemporalBackend implements Backend {
    /** How often the globals are asked for while a client follows the stream, for its state pushes … */
    static final long STATE_EVERY_MS = 200;
    /** … and while no client follows the stream (for the counters {@code /state} and {@code /metrics} show). */
    static final long IDLE_STATE_EVERY_MS = 2_000;
    /** The program served (a deploy of a new version replaces it once the run has moved). */
    private volatile Plan plan;
    private final TemporalEngine engine;
    /** The served run's workflow id is kept here: after a deploy it no longer follows the program's text. */
    private final Path runFile;
    /** The directory serves a run already: this version of the program is deployed to it once it answers (no move when it runs it). */
    private final boolean deployOnStart;
    private final StreamLog stream;
    private final Metrics metrics = new Metrics(this::statsView);
    private final IdempotencyFile kept;
    private final Map<String, String> inFlight = new HashMap<>(); // key -> fingerprint; guarded by itself
    private final ExecutorService calls = Executors.newFixedThreadPool(32, r -> {
        Thread t = new Thread(r, "baton-temporal-call");
        t.setDaemon(true);
        return t;
    });
    private final HttpInbox inbox = new HttpInbox();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private TemporalEngine.Live live;
    private Thread runner;
    private Thread poller;
    private volatile Throwable died;
    private volatile boolean stopping;
    private volatile Map<String, Object> statsView = Map.of();

    /**
     * @param options the run's seed (and faults): with the program and parameters, they name the run's workflow
     * @param dataDir where the idempotency answers are kept (held by the caller)
     */
    public TemporalBackend(Plan plan, Map<String, String> params, EngineOptions options, String target, String namespace, TemporalTls tls,
                           String taskQueue, boolean fresh, Path dataDir, StreamLog stream) throws IOException {
        this.plan = plan;
        this.stream = stream;
        this.kept = IdempotencyFile.open(dataDir);
        this.engine = new TemporalEngine(plan, params, options, target, namespace, fresh).withTls(tls).withTaskQueue(taskQueue)
                .withInbox(inbox).withBus(new StreamBus()).withSignalInterval(Duration.ZERO);
        this.runFile = dataDir.resolve("temporal-run");
        String ours = engine.workflowId();
        String kept = !fresh && java.nio.file.Files.exists(runFile) ? java.nio.file.Files.readString(runFile).strip() : null;
        if (kept != null && !kept.isEmpty()) {
            // the run this directory serves (it may have moved to another version since it started, or be
            // started under another one than this file's): attach to it, and have it take this version —
            // the same program is no move, a version it cannot move to keeps the service from starting
            engine.withWorkflowId(kept);
            deployOnStart = true;
        } else {
            java.nio.file.Files.writeString(runFile, ours + "\n");
            deployOnStart = false;
        }
    }

    /** Connects, starts (or attaches to) the run and its worker; returns once the run answers. */
    @Override
    public void start() throws IOException {
        live = engine.live();
        runner = new Thread(() -> {
            try {
                engine.run();
                died = new IllegalStateException("the run on Temporal has finished");
            } catch (IOException | RuntimeException e) {
                if (!stopping) died = e;
            } finally {
                inbox.failAll();
                stopped.complete(null);
            }
        }, "baton-temporal-run");
        runner.setDaemon(true);
        runner.start();
        // the run answers queries once its worker has started it (or, on a restart, attached)
        while (!inbox.resumed.isDone() && !stopped.isDone()) {
            try {
                inbox.resumed.get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException notYet) {
                // go on waiting: progress is the run's positions query, answered
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                break;
            }
        }
        if (died != null) throw new IOException(died.getMessage(), died);
        if (deployOnStart) {
            // as a resumed embedded service does: the run moves to the program given, or the service does not start
            Service.Answer moved = deployNow(plan.file.text());
            if (moved.status() != 200) {
                close();
                Object why = moved.body() instanceof Map<?, ?> m && m.get("detail") != null ? m.get("detail") : moved.body();
                throw new IOException("the run " + engine.workflowId() + " cannot move to this version of " + plan.file.name() + ": " + why);
            }
        }
        poller = new Thread(this::pollState, "baton-temporal-state");
        poller.setDaemon(true);
        poller.start();
    }

    @Override
    public Plan plan() {
        return plan;
    }

    @Override
    public StreamLog stream() {
        return stream;
    }

    @Override
    public Throwable died() {
        return died;
    }

    @Override
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    @Override
    public Map<String, Object> statsView() {
        return statsView;
    }

    @Override
    public String engine() {
        return "temporal";
    }

    @Override
    public Metrics metrics() {
        return metrics;
    }

    // ------------------------------------------------------------------ mutations

    /**
     * A new version, checked here first (422, every error with its position), then sent to the run
     * as the update {@code deploy}: the run moves to it at its next continue-as-new and answers
     * what moved (200), or every reason it cannot (409, nothing changed). Routes and the API
     * document follow the new version once the run has moved.
     */
    @Override
    public CompletableFuture<Service.Answer> deploy(String source) {
        if (stopping || died != null) return CompletableFuture.completedFuture(unavailable("it takes no more requests"));
        return async(() -> deployNow(source));
    }

    private Service.Answer deployNow(String source) throws IOException {
        Plan from = plan;
        NewVersion next = NewVersion.of(from, source);
        if (next.problem() != null) return next.problem();
        Map<String, Object> b = Service.object(live.deploy(source));
        if (b.containsKey("invalid")) {
            return Problems.answer(422, "program-invalid", "The program does not compile", String.join("; ", strings(b.get("invalid"))) + "; nothing changed", null);
        }
        if (b.containsKey("refused")) {
            return NewVersion.cannotMove(b.getOrDefault("from", from.version), b.getOrDefault("to", next.plan().version), strings(b.get("refused")));
        }
        if (Boolean.TRUE.equals(b.get("moved"))) {
            plan = next.plan();
            java.nio.file.Files.writeString(runFile, engine.workflowId() + "\n");
        }
        return new Service.Answer(200, b);
    }

    private static List<String> strings(Object list) {
        List<String> out = new ArrayList<>();
        if (list instanceof List<?> l) for (Object o : l) out.add(String.valueOf(o));
        return out;
    }

    @Override
    public CompletableFuture<Service.Answer> events(List<Service.EventIn> events, Service.Idem idem) {
        Service.Answer early = admit(idem);
        if (early != null) return CompletableFuture.completedFuture(early);
        return inbox.resumed.thenCompose(ready -> {
            try {
                return keep(idem, inbox.send(events, idem));
            } catch (IOException e) {
                return CompletableFuture.completedFuture(unavailable(e.getMessage()));
            }
        });
    }

    @Override
    public CompletableFuture<Service.Answer> call(EndpointCall call, Service.Idem idem) {
        Service.Answer early = admit(idem);
        if (early != null) return CompletableFuture.completedFuture(early);
        String updateId = updateId(idem);
        return keep(idem, async(() -> endpointAnswer(call.target(), live.execute(call.target(), Json.write(Json.toPlain(call.args())), updateId))));
    }

    @Override
    public CompletableFuture<Service.Answer> query(EndpointCall call) {
        return async(() -> endpointAnswer(call.target(), live.query(call.target(), Json.write(Json.toPlain(call.args())))));
    }

    @Override
    public CompletableFuture<Service.Answer> start(String workflow, String id, Object argsPlain, Service.Idem idem) {
        Service.Answer early = admit(idem);
        if (early != null) return CompletableFuture.completedFuture(early);
        String updateId = updateId(idem);
        return keep(idem, async(() -> {
            Map<String, Object> b = Service.object(live.command(WorkflowCommand.start(workflow, id, Json.write(argsPlain)), updateId));
            if (b.containsKey("refused")) return Problems.invalid(String.valueOf(b.get("refused")), List.of());
            return new Service.Answer(Boolean.TRUE.equals(b.get("created")) ? 201 : 200, b);
        }));
    }

    @Override
    public CompletableFuture<Service.Answer> cancel(String id, Service.Idem idem) {
        Service.Answer early = admit(idem);
        if (early != null) return CompletableFuture.completedFuture(early);
        String updateId = updateId(idem);
        return keep(idem, async(() -> {
            if (readNow(Inspect.Request.of("workflow", "id", id)) == null) return noWorkflow(id);
            Map<String, Object> b = Service.object(live.command(WorkflowCommand.cancel(id), updateId));
            if (b.containsKey("refused")) return Problems.invalid(String.valueOf(b.get("refused")), List.of());
            return new Service.Answer(202, b);
        }));
    }

    /** The update's id: the Idempotency-Key's (Temporal answers a repeat of it with the first outcome), else a new one. */
    private static String updateId(Service.Idem idem) {
        return "http:" + (idem != null ? idem.key() : java.util.UUID.randomUUID().toString());
    }

    /** A repeat (replayed), a conflict (409), a reused key (422), or null: go on (the key is now in flight). */
    private Service.Answer admit(Service.Idem idem) {
        if (stopping || died != null) return unavailable("it takes no more requests");
        if (idem == null) return null;
        synchronized (inFlight) {
            IdempotencyFile.Record r = kept.get(idem.key());
            // a record without an answer was sent before a crash and never answered: going on resends it as it was
            Service.Answer early = Service.judge(idem, r == null ? null : r.fingerprint(), r == null ? null : r.answer(), inFlight.get(idem.key()));
            if (early != null) return early;
            inFlight.put(idem.key(), idem.fingerprint());
        }
        return null;
    }

    /** Keeps the answer under the key once it is known (a 503 is not an answer: the client may send again). */
    private CompletableFuture<Service.Answer> keep(Service.Idem idem, CompletableFuture<Service.Answer> f) {
        if (idem == null) return f;
        return f.handle((a, e) -> {
            Service.Answer answer = e != null ? unavailable(e.getMessage()) : a;
            try {
                if (answer.status() != 503) kept.answer(idem, answer);
            } catch (IOException io) {
                answer = unavailable("the answer could not be kept: " + io.getMessage());
            } finally {
                synchronized (inFlight) {
                    inFlight.remove(idem.key());
                }
            }
            return answer;
        });
    }

    private interface Blocking {
        Service.Answer get() throws IOException;
    }

    private CompletableFuture<Service.Answer> async(Blocking b) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return b.get();
            } catch (IOException e) {
                return unavailable(e.getMessage());
            }
        }, calls);
    }

    private static Service.Answer endpointAnswer(String target, String json) {
        Map<String, Object> a = Service.object(json);
        Object reply = Boolean.TRUE.equals(a.get("ok")) ? Json.parseTrusted(Json.write(a.get("value"))) : new CallFailure(String.valueOf(a.get("failure")));
        return Service.callAnswer(target, reply);
    }

    private static Service.Answer unavailable(String why) {
        return Problems.answer(503, "unavailable", "Unavailable", "the run on Temporal did not answer: " + why, null);
    }

    private static Service.Answer noWorkflow(String id) {
        return Problems.answer(404, "no-such-workflow", "No such workflow", "the run has no workflow '" + id + "'", null);
    }

    // ------------------------------------------------------------------ reads

    @Override
    public CompletableFuture<Map<String, Object>> inspect(Inspect.Request read) {
        CompletableFuture<Map<String, Object>> out = new CompletableFuture<>();
        calls.execute(() -> {
            try {
                out.complete(readNow(read));
            } catch (IOException | RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> readNow(Inspect.Request read) throws IOException {
        String json = live.inspect(read.json());
        if (json == null || json.equals("null")) return null;
        return new LinkedHashMap<>((Map<String, Object>) Json.toPlain(Json.parseTrusted(json)));
    }

    @Override
    public CompletableFuture<Service.Answer> result(String id, long waitMs) {
        long deadline = System.nanoTime() + waitMs * 1_000_000L;
        return async(() -> {
            while (true) {
                Map<String, Object> w = readNow(Inspect.Request.of("workflow", "id", id));
                if (w == null) return noWorkflow(id);
                if (Service.ended(w) || System.nanoTime() >= deadline || stopping) return new Service.Answer(200, Service.resultBody(id, w));
                try {
                    Thread.sleep(50); // asks again; the answer is the workflow's status, not a time
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new Service.Answer(200, Service.resultBody(id, w));
                }
            }
        });
    }

    /** Streams the globals that changed (asked for every {@value #STATE_EVERY_MS} ms). */
    @SuppressWarnings("unchecked")
    private void pollState() {
        Map<String, String> last = new HashMap<>();
        long lastStatsTime = -1;
        long polls = 0;
        while (!stopping && died == null) {
            try {
                Map<String, Object> st = readNow(Inspect.Request.of("state"));
                if (st != null) {
                    long t = ((Number) st.get("engine_ms")).longValue();
                    Map<String, Object> changed = new LinkedHashMap<>();
                    ((Map<String, Object>) st.get("globals")).forEach((k, v) -> {
                        String text = Json.write(v);
                        if (!text.equals(last.put(k, text))) changed.put(k, v);
                    });
                    if (!changed.isEmpty()) stream.state(t, changed);
                    Map<String, Object> stats = new LinkedHashMap<>();
                    stats.put("events_emitted", stream.lastId());
                    // the counters go out when they or the engine time have moved
                    if (plan.report != null && stream.watched() && ++polls % 5 == 0) {
                        Map<String, Object> report = readNow(Inspect.Request.of("report"));
                        if (report != null) stream.report(report);
                    }
                    if (!stats.equals(statsView) || t != lastStatsTime) {
                        statsView = stats;
                        lastStatsTime = t;
                        stream.stats(t, stats);
                    }
                }
                // a query to Temporal each time: often while someone watches the stream, seldom when no one does
                Thread.sleep(stream.watched() ? STATE_EVERY_MS : IDLE_STATE_EVERY_MS);
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                try {
                    Thread.sleep(STATE_EVERY_MS);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** Stops serving: the run stays on Temporal, waiting (its worker here is shut down); what was answered is kept. */
    @Override
    public void close() {
        stopping = true;
        if (poller != null) poller.interrupt();
        engine.stopServing();
        if (runner != null) {
            runner.interrupt();
            try {
                runner.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        inbox.failAll();
        calls.shutdownNow();
        if (live != null) live.close();
        try {
            kept.close();
            stream.close();
        } catch (IOException e) {
            // closing: nothing left to answer
        }
        stopped.complete(null);
    }

    // ------------------------------------------------------------------ events as signals

    /** The events of one request, answered once Temporal has every one of them. */
    private static final class Sent {
        final List<Long> seqs = new ArrayList<>();
        final CompletableFuture<Service.Answer> answer = new CompletableFuture<>();
        int waiting;
        String rejection;
    }

    /** The engine's inbox: HTTP's events, numbered as the producer {@code http}, acknowledged once signalled. */
    private final class HttpInbox implements Inbox {
        final CompletableFuture<Void> resumed = new CompletableFuture<>();
        private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
        private final Map<Long, Sent> bySeq = new HashMap<>(); // guarded by this
        private long nextSeq = 1;

        @Override
        @SuppressWarnings("unchecked")
        public synchronized void resume(Map<String, Long> applied) {
            long last = applied.getOrDefault(Service.SOURCE, 0L);
            List<IdempotencyFile.Record> again = kept.unanswered();
            for (IdempotencyFile.Record r : again) {
                for (Object s : (List<Object>) r.intent().get("seqs")) last = Math.max(last, ((Number) s).longValue());
            }
            nextSeq = last + 1;
            // what was sent before a crash and never answered goes again, as it was: the run applies each event once
            for (IdempotencyFile.Record r : again) {
                List<Object> seqs = (List<Object>) r.intent().get("seqs");
                List<Object> items = (List<Object>) r.intent().get("items");
                for (int i = 0; i < seqs.size(); i++) {
                    Map<String, Object> it = (Map<String, Object>) items.get(i);
                    queue.add(new Item(Service.SOURCE, ((Number) seqs.get(i)).longValue(), (String) it.get("event"), (String) it.get("payload")));
                }
            }
            resumed.complete(null);
        }

        synchronized CompletableFuture<Service.Answer> send(List<Service.EventIn> events, Service.Idem idem) throws IOException {
            IdempotencyFile.Record before = idem == null ? null : kept.get(idem.key());
            Sent s = new Sent();
            List<Item> items = new ArrayList<>(events.size());
            if (before != null && before.intent() != null) {
                // the resend of a request whose first sending may have reached the run: the same numbers again
                for (Object n : (List<?>) before.intent().get("seqs")) s.seqs.add(((Number) n).longValue());
                for (int i = 0; i < events.size(); i++) items.add(new Item(Service.SOURCE, s.seqs.get(i), events.get(i).event(), events.get(i).payloadJson()));
            } else {
                for (Service.EventIn e : events) {
                    long seq = nextSeq++;
                    s.seqs.add(seq);
                    items.add(new Item(Service.SOURCE, seq, e.event(), e.payloadJson()));
                }
                if (idem != null) {
                    List<Map<String, Object>> plain = new ArrayList<>();
                    for (Service.EventIn e : events) plain.add(Map.of("event", e.event(), "payload", e.payloadJson()));
                    kept.intent(idem, Map.of("seqs", s.seqs, "items", plain));
                }
            }
            s.waiting = items.size();
            for (Item i : items) bySeq.put(i.seq(), s);
            queue.addAll(items);
            return s.answer;
        }

        @Override
        public List<Item> poll() {
            List<Item> out = new ArrayList<>();
            for (Item i; (i = queue.poll()) != null; ) out.add(i);
            return out;
        }

        @Override
        public boolean closed() {
            return false; // the run waits for events for as long as it lives; stopping this process leaves it waiting
        }

        @Override
        public void acknowledge(Item item, String rejection) {
            Sent s;
            synchronized (this) {
                s = bySeq.remove(item.seq());
                if (s == null) return; // a resend after a crash: its request's answer is the resend's
                if (rejection != null && s.rejection == null) s.rejection = rejection;
                if (--s.waiting > 0) return;
            }
            if (s.rejection != null) {
                s.answer.complete(Problems.answer(422, "event-rejected", "Event rejected", s.rejection, null));
                return;
            }
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("accepted", s.seqs.size());
            b.put("producer", Service.SOURCE);
            b.put("seqs", s.seqs);
            s.answer.complete(new Service.Answer(202, b));
        }

        @Override
        public void acknowledge(long seq, String rejection) {
            acknowledge(new Item(Service.SOURCE, seq, "", ""), rejection);
        }

        /** Answers 503 to every request still waiting (the run or this process stopped). */
        synchronized void failAll() {
            for (Sent s : new ArrayList<>(bySeq.values())) s.answer.complete(unavailable("the service stopped before Temporal had the events"));
            bySeq.clear();
        }
    }

    /** Emitted events from the worker's publishing activity into the stream (at least once: a repeat is dropped by its number). */
    private final class StreamBus implements EventBus {
        @Override
        public void publish(long time, String event, Object payload) {
            publish(time, 0, event, payload);
        }

        @Override
        public void publish(long time, long seq, String event, Object payload) {
            stream.emittedFrom(seq, time, event, payload);
        }

        @Override
        public void problem(long time, long ordinal, boolean declared, String position, String owner, String message) {
            stream.problemFrom(ordinal, new dev.baton.runtime.internal.exec.Core.RunError(position, owner, message, time), declared);
        }

        @Override
        public void flush() {
            try {
                stream.release(Long.MAX_VALUE);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
