package dev.baton.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.runtime.EndpointCall;
import dev.baton.runtime.Json;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.plan.Plan;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.sse.SseClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP/JSON API of a served program, its routes named after the program's own
 * declarations (see docs/serve.md for every route, status and problem type):
 *
 * <pre>
 * POST /events/{Event}                          one payload, a JSON array, or NDJSON → 202 once synced
 * POST /modules/{Module}/{key}/{Endpoint}       an /execute command → 200 with its reply ({key} is _ for a single instance)
 * GET|POST /modules/{Module}/{key}/{Endpoint}   a /return query → 200, nothing journaled
 * GET  /modules, /modules/{Module}, /modules/{Module}/{key}
 * POST /workflows/{Workflow}                    {"id"?, "args"} → 201 (200: that id exists already)
 * GET  /workflows?status=&amp;type=&amp;cursor=&amp;limit=, /workflows/{id}, /workflows/{id}/result?wait=30s
 * POST /workflows/{id}/cancel
 * GET  /state, /report, /errors, /stream (SSE), /openapi.json, /metrics, /healthz
 * </pre>
 */
public final class HttpApi implements AutoCloseable {
    /** The largest request body. */
    public static final int MAX_BODY = 1 << 20;
    /** A body over {@link #MAX_BODY} but under this is read and dropped before the 413 (above it the connection is closed). */
    static final int DRAIN_LIMIT = 16 << 20;
    /** The most events in one request. */
    public static final int MAX_BATCH = 10_000;
    /** Requests queued for the engine beyond which new ones get 429. */
    static final int MAX_QUEUED = 20_000;
    /** The longest long poll. */
    static final long MAX_WAIT_MS = 60_000;
    /** Concurrent SSE clients at most (each holds a thread). */
    static final int MAX_STREAMS = 64;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Backend service;
    private final Metrics metrics;
    private final byte[] token;
    private final Javalin app;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger streams = new AtomicInteger();
    /** The API document, for the program it was made for (a deploy of a new version makes another). */
    private volatile Object[] openApi = {null, null};

    /**
     * @param token the bearer token every mutation must carry (null: none required)
     */
    public HttpApi(Backend service, String token, String host, int port) {
        this.service = service;
        this.metrics = service.metrics();
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.jetty.host = host;
            cfg.jetty.port = port;
            cfg.http.maxRequestSize = DRAIN_LIMIT;
            cfg.http.prefer405over404 = true;
            cfg.http.asyncTimeout = MAX_WAIT_MS + 10_000;
            cfg.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/baton-web";
                s.location = io.javalin.http.staticfiles.Location.CLASSPATH;
            });
            routes(cfg.routes);
        });
    }

    public HttpApi start() {
        app.start();
        return this;
    }

    /** The port it listens on (the one given, or the one picked for 0). */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    private void routes(io.javalin.config.RoutesConfig r) {
        r.get("/", ctx -> ctx.redirect("/console.html"));
        r.get("/portal", ctx -> ctx.redirect("/portal.html"));
        r.get("/boss", ctx -> ctx.redirect("/boss.html"));
        r.get("/healthz", timed("/healthz", ctx -> json(ctx, new Service.Answer(service.died() == null ? 200 : 503, Map.of("status", service.died() == null ? "ok" : "failed", "engine", service.engine())))));
        r.get("/openapi.json", timed("/openapi.json", ctx -> {
            ctx.contentType("application/json; charset=utf-8");
            ctx.result(openApi().getBytes(StandardCharsets.UTF_8));
        }));
        r.get("/metrics", ctx -> {
            ctx.contentType(Metrics.contentType());
            ctx.result(metrics.scrape());
        });
        r.post("/events/{event}", timed("/events/{event}", this::postEvents));
        r.post("/deploy", timed("/deploy", this::deploy));
        r.post("/modules/{module}/{key}/{endpoint}", timed("/modules/{module}/{key}/{endpoint}", this::callEndpoint));
        r.get("/modules/{module}/{key}/{endpoint}", timed("/modules/{module}/{key}/{endpoint}", this::callEndpoint));
        r.get("/modules", timed("/modules", this::modules));
        r.get("/modules/{module}", timed("/modules/{module}", this::instances));
        r.get("/modules/{module}/{key}", timed("/modules/{module}/{key}", this::instance));
        r.post("/workflows/{workflow}", timed("/workflows/{workflow}", this::startWorkflow));
        r.get("/workflows", timed("/workflows", this::listWorkflows));
        r.get("/workflows/{id}", timed("/workflows/{id}", this::workflow));
        r.get("/workflows/{id}/result", timed("/workflows/{id}/result", this::result));
        r.post("/workflows/{id}/cancel", timed("/workflows/{id}/cancel", this::cancel));
        r.get("/state", timed("/state", ctx -> answer(ctx, service.inspect(dev.baton.runtime.Inspect.Request.of("state")).thenApply(st -> {
            Map<String, Object> out = new LinkedHashMap<>(st);
            out.put("stats", service.statsView());
            return new Service.Answer(200, out);
        }))));
        r.get("/errors", timed("/errors", this::errors));
        r.get("/report", timed("/report", ctx -> answer(ctx, service.inspect(dev.baton.runtime.Inspect.Request.of("report"))
                .thenApply(b -> new Service.Answer(200, b)))));
        r.get("/waits", timed("/waits", ctx -> answer(ctx, service.inspect(dev.baton.runtime.Inspect.Request.of("waits"))
                .thenApply(b -> new Service.Answer(200, b)))));
        r.get("/asks", timed("/asks", this::asks));
        r.before("/stream", ctx -> {
            // the SSE handler answers only a client that asks for the event stream (EventSource does); say so to one that does not
            String accept = ctx.header("Accept");
            if (ctx.method().name().equals("GET") && (accept == null || !accept.contains("text/event-stream"))) {
                json(ctx, Problems.answer(406, "not-acceptable", "Not acceptable", "GET /stream is a Server-Sent Events stream:"
                        + " send Accept: text/event-stream (curl -N -H 'Accept: text/event-stream' …; a browser's EventSource does)", null));
                ctx.skipRemainingHandlers();
            }
        });
        r.sse("/stream", this::stream);
        r.exception(Exception.class, (e, ctx) -> {
            // never a stack trace: what went wrong, in words
            json(ctx, Problems.answer(500, "internal", "Internal error", "the service failed to answer: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), null));
        });
        r.error(404, ctx -> {
            String type = ctx.res().getContentType();
            if (type == null || !type.startsWith(Problems.CONTENT_TYPE)) {
                json(ctx, Problems.answer(404, "not-found", "Not found", "no route " + ctx.method() + " " + ctx.path()
                        + " (the routes are in /openapi.json)", null));
            }
        });
        r.error(405, ctx -> {
            String type = ctx.res().getContentType();
            if (type == null || !type.startsWith(Problems.CONTENT_TYPE)) {
                json(ctx, Problems.answer(405, "method-not-allowed", "Method not allowed", ctx.method() + " is not allowed on "
                        + ctx.path() + " (the routes are in /openapi.json)", null));
            }
        });
        r.error(413, ctx -> {
            String type = ctx.res().getContentType();
            if (type == null || !type.startsWith(Problems.CONTENT_TYPE)) {
                json(ctx, Problems.answer(413, "too-large", "Request too large", "a request body holds at most " + MAX_BODY + " bytes", null));
            }
        });
    }

    // ------------------------------------------------------------------ mutations

    private void postEvents(Context ctx) throws IOException {
        if (!authorized(ctx) || !admitted(ctx)) return;
        String name = ctx.pathParam("event");
        int ev = plan().eventIndex(name);
        if (ev < 0) {
            json(ctx, Problems.answer(404, "no-such-event", "No such event", "the program declares no event '" + name + "'"
                    + dev.baton.lang.DidYouMean.hint(name, plan().events.stream().map(Plan.EventPlan::name).toList()), null));
            return;
        }
        byte[] body = body(ctx);
        if (body == null) return;
        String type = mediaType(ctx);
        List<Object> payloads = new ArrayList<>();
        List<Problems.FieldError> errors = new ArrayList<>();
        boolean array = false;
        if (type.equals("application/x-ndjson")) {
            String[] lines = new String(body, StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) continue;
                try {
                    payloads.add(parse(lines[i]));
                } catch (JsonProcessingException e) {
                    errors.add(new Problems.FieldError("line " + (i + 1), "not JSON: " + e.getOriginalMessage()));
                }
            }
        } else if (type.equals("application/json")) {
            Object v;
            try {
                v = parse(new String(body, StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                json(ctx, Problems.invalid("the body is not JSON", List.of(new Problems.FieldError("/", e.getOriginalMessage()))));
                return;
            }
            if (v instanceof List<?> l) {
                array = true;
                payloads.addAll(l);
            } else {
                payloads.add(v);
            }
        } else {
            unsupported(ctx, "application/json (one payload or an array of them) or application/x-ndjson (a payload per line)");
            return;
        }
        if (payloads.size() > MAX_BATCH) {
            json(ctx, Problems.answer(413, "too-many-events", "Too many events", payloads.size() + " events in one request; at most " + MAX_BATCH, null));
            return;
        }
        if (payloads.isEmpty() && errors.isEmpty()) {
            json(ctx, Problems.invalid("no events in the body", List.of(new Problems.FieldError("/", "is empty"))));
            return;
        }
        List<Service.EventIn> events = new ArrayList<>(payloads.size());
        for (int i = 0; i < payloads.size(); i++) {
            String at = array || type.equals("application/x-ndjson") ? "/" + i : "";
            Shapes.check(plan().events.get(ev).payload(), payloads.get(i), at, errors);
            events.add(new Service.EventIn(name, Json.write(payloads.get(i))));
        }
        if (!errors.isEmpty()) {
            json(ctx, Problems.invalid("the events do not fit " + name + " (nothing was accepted)", errors));
            return;
        }
        // the engine's own check, which the journal relies on, agrees with the one above; a payload it refuses is refused here
        for (int i = 0; i < events.size(); i++) {
            String problem = dev.baton.runtime.internal.journal.Durability.validate(plan(),
                    new dev.baton.runtime.Inbox.Item(0, name, events.get(i).payloadJson()));
            if (problem != null) errors.add(new Problems.FieldError((array ? "/" + i : "/"), problem));
        }
        if (!errors.isEmpty()) {
            json(ctx, Problems.invalid("the events do not fit " + name + " (nothing was accepted)", errors));
            return;
        }
        Service.Idem idem = idem(ctx, body);
        if (idem == BAD_KEY) return;
        submit(ctx, service.events(events, idem));
    }

    private void callEndpoint(Context ctx) throws IOException {
        String module = ctx.pathParam("module");
        String key = ctx.pathParam("key");
        String endpoint = ctx.pathParam("endpoint");
        int m = plan().moduleIndex(module);
        if (m < 0) {
            json(ctx, noModule(module));
            return;
        }
        Plan.ModulePlan mp = plan().modules.get(m);
        Plan.Endpoint ep = mp.endpoints.stream().filter(e -> e.name().equals(endpoint)).findFirst().orElse(null);
        if (ep == null) {
            json(ctx, Problems.answer(404, "no-such-endpoint", "No such endpoint", module + " has no endpoint '" + endpoint + "'"
                    + dev.baton.lang.DidYouMean.hint(endpoint, mp.endpoints.stream().map(Plan.Endpoint::name).toList()), null));
            return;
        }
        boolean get = ctx.method().name().equals("GET");
        if (get && !ep.query()) {
            json(ctx, Problems.answer(405, "method-not-allowed", "Method not allowed", module + "." + endpoint
                    + " is an /execute command: POST it (it changes state)", null));
            return;
        }
        Object args;
        byte[] body = new byte[0];
        if (get) {
            Map<String, Object> q = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : ctx.queryParamMap().entrySet()) {
                String v = e.getValue().get(0);
                try {
                    q.put(e.getKey(), parse(v));
                } catch (JsonProcessingException notJson) {
                    q.put(e.getKey(), v);
                }
            }
            args = q;
        } else {
            if (!ep.query() && (!authorized(ctx) || !admitted(ctx))) return;
            body = body(ctx);
            if (body == null) return;
            if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
                args = new LinkedHashMap<>();
            } else {
                if (!mediaType(ctx).equals("application/json")) {
                    unsupported(ctx, "application/json (the endpoint's arguments as an object)");
                    return;
                }
                try {
                    args = parse(new String(body, StandardCharsets.UTF_8));
                } catch (JsonProcessingException e) {
                    json(ctx, Problems.invalid("the body is not JSON", List.of(new Problems.FieldError("/", e.getOriginalMessage()))));
                    return;
                }
            }
        }
        List<Problems.FieldError> errors = new ArrayList<>();
        Shapes.check(ep.paramsType(), args, "", errors);
        if (!errors.isEmpty()) {
            json(ctx, Problems.invalid("the arguments do not fit " + module + "." + endpoint, errors));
            return;
        }
        EndpointCall call;
        try {
            String target = key.equals("_") ? module + "." + endpoint : module + "[" + key + "]." + endpoint;
            call = EndpointCall.parse(plan(), target, Json.write(args));
        } catch (IllegalArgumentException e) {
            boolean instance = e.getMessage().contains("is not an instance");
            json(ctx, instance ? Problems.answer(404, "no-such-instance", "No such instance", e.getMessage(), null)
                    : Problems.invalid(e.getMessage(), List.of()));
            return;
        }
        if (key.equals("_") && mp.keys.size() > 1) {
            json(ctx, Problems.answer(404, "no-such-instance", "No such instance", module + " has " + mp.keys.size()
                    + " instances: name one by its key instead of _", null));
            return;
        }
        if (ep.query()) {
            answer(ctx, service.query(call));
            return;
        }
        Service.Idem idem = idem(ctx, body);
        if (idem == BAD_KEY) return;
        submit(ctx, service.call(call, idem));
    }

    private void startWorkflow(Context ctx) throws IOException {
        if (!authorized(ctx) || !admitted(ctx)) return;
        String name = ctx.pathParam("workflow");
        Plan.WorkflowPlan wp = plan().workflows.stream().filter(w -> w.name().equals(name)).findFirst().orElse(null);
        if (wp == null) {
            json(ctx, Problems.answer(404, "no-such-workflow-type", "No such workflow type", "the program declares no workflow '" + name + "'"
                    + dev.baton.lang.DidYouMean.hint(name, plan().workflows.stream().map(Plan.WorkflowPlan::name).toList()), null));
            return;
        }
        byte[] body = body(ctx);
        if (body == null) return;
        Map<String, Object> req = new LinkedHashMap<>();
        if (body.length > 0) {
            if (!mediaType(ctx).equals("application/json")) {
                unsupported(ctx, "application/json ({\"id\": optional, \"args\": {…}})");
                return;
            }
            Object v;
            try {
                v = parse(new String(body, StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                json(ctx, Problems.invalid("the body is not JSON", List.of(new Problems.FieldError("/", e.getOriginalMessage()))));
                return;
            }
            if (!(v instanceof Map<?, ?> mv)) {
                json(ctx, Problems.invalid("the body is {\"id\": optional, \"args\": {…}}", List.of(new Problems.FieldError("/", "is not an object"))));
                return;
            }
            for (Map.Entry<?, ?> e : mv.entrySet()) req.put(String.valueOf(e.getKey()), e.getValue());
        }
        List<Problems.FieldError> errors = new ArrayList<>();
        for (String k : req.keySet()) {
            if (!k.equals("id") && !k.equals("args")) errors.add(new Problems.FieldError("/" + k, "is not a field of a start (fields: id, args)"));
        }
        Object id = req.get("id");
        if (id != null && !(id instanceof String s && !s.isBlank() && s.length() <= 200)) {
            errors.add(new Problems.FieldError("/id", "is a non-empty string of at most 200 characters"));
        }
        Object args = req.getOrDefault("args", new LinkedHashMap<>());
        Shapes.check(wp.paramsType(), args, "/args", errors);
        if (!errors.isEmpty()) {
            json(ctx, Problems.invalid("the start does not fit " + name, errors));
            return;
        }
        Service.Idem idem = idem(ctx, body);
        if (idem == BAD_KEY) return;
        submit(ctx, service.start(name, (String) id, args, idem));
    }

    private void cancel(Context ctx) throws IOException {
        if (!authorized(ctx) || !admitted(ctx)) return;
        Service.Idem idem = idem(ctx, new byte[0]);
        if (idem == BAD_KEY) return;
        submit(ctx, service.cancel(ctx.pathParam("id"), idem));
    }

    // ------------------------------------------------------------------ reads

    private void modules(Context ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Plan.ModulePlan m : plan().modules) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("module", m.name);
            e.put("instances", m.keys.size());
            e.put("state", m.stateNames);
            List<Map<String, Object>> eps = new ArrayList<>();
            for (Plan.Endpoint ep : m.endpoints) eps.add(Map.of("name", ep.name(), "kind", ep.query() ? "return" : "execute"));
            e.put("endpoints", eps);
            out.add(e);
        }
        json(ctx, new Service.Answer(200, Map.of("modules", out)));
    }

    private void instances(Context ctx) {
        String module = ctx.pathParam("module");
        int m = plan().moduleIndex(module);
        if (m < 0) {
            json(ctx, noModule(module));
            return;
        }
        int offset = intParam(ctx, "cursor", 0);
        int limit = Math.min(1000, intParam(ctx, "limit", 100));
        if (offset < 0 || limit < 0) return;
        answer(ctx, service.inspect(dev.baton.runtime.Inspect.Request.of("instances", "module", module, "offset", offset, "limit", limit))
                .thenApply(b -> new Service.Answer(200, b)));
    }

    private static Object keyOf(Plan.ModulePlan mp, int i) {
        return Json.toPlain(mp.keys.get(i));
    }

    /** The instance's display name ({@code Module[key]}) for its key as written in a path ({@code _}: a single instance), or null. */
    static String instanceName(Plan.ModulePlan mp, String key) {
        for (int i = 0; i < mp.keys.size(); i++) {
            if (key.equals("_") && mp.keys.size() == 1 || String.valueOf(keyOf(mp, i)).equals(key)) {
                return dev.baton.runtime.Inspect.instanceName(mp, i);
            }
        }
        return null;
    }

    private void instance(Context ctx) {
        String module = ctx.pathParam("module");
        String key = ctx.pathParam("key");
        int m = plan().moduleIndex(module);
        if (m < 0) {
            json(ctx, noModule(module));
            return;
        }
        Plan.ModulePlan mp = plan().modules.get(m);
        String name = instanceName(mp, key);
        if (name == null) {
            json(ctx, Problems.answer(404, "no-such-instance", "No such instance", module + " has no instance '" + key + "'"
                    + (mp.keys.size() == 1 ? " (it has one: _)" : " (" + mp.keys.size() + " instances: GET /modules/" + module + " lists them)"), null));
            return;
        }
        answer(ctx, service.inspect(dev.baton.runtime.Inspect.Request.of("instance", "name", name)).thenApply(d -> {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("module", module);
            b.put("key", key);
            b.putAll(d);
            return new Service.Answer(200, b);
        }));
    }

    private void workflow(Context ctx) {
        String id = ctx.pathParam("id");
        answer(ctx, service.inspect(dev.baton.runtime.Inspect.Request.of("workflow", "id", id)).thenApply(d -> d == null
                ? Problems.answer(404, "no-such-workflow", "No such workflow", "the run has no workflow '" + id + "'", null)
                : new Service.Answer(200, d)));
    }

    private void result(Context ctx) {
        long wait = 0;
        String w = ctx.queryParam("wait");
        if (w != null) {
            try {
                wait = dev.baton.runtime.value.Values.parseDuration(w).toMillis();
            } catch (RuntimeException e) {
                json(ctx, Problems.invalid("wait is a duration (30s, 500ms)", List.of(new Problems.FieldError("wait", "'" + w + "' is not a duration"))));
                return;
            }
            if (wait < 0 || wait > MAX_WAIT_MS) {
                json(ctx, Problems.invalid("wait is at most " + MAX_WAIT_MS / 1000 + "s", List.of(new Problems.FieldError("wait", "'" + w + "' is out of range"))));
                return;
            }
        }
        answer(ctx, service.result(ctx.pathParam("id"), wait));
    }

    private void listWorkflows(Context ctx) {
        String status = ctx.queryParam("status");
        String type = ctx.queryParam("type");
        int offset = intParam(ctx, "cursor", 0);
        int limit = Math.min(1000, intParam(ctx, "limit", 100));
        if (offset < 0 || limit < 0) return;
        if (type != null && plan().workflows.stream().noneMatch(wp -> wp.name().equals(type))) {
            json(ctx, Problems.invalid("the program declares no workflow type '" + type + "'", List.of(new Problems.FieldError("type", "unknown"))));
            return;
        }
        List<String> statuses = dev.baton.runtime.Inspect.STATUSES;
        if (status != null && !statuses.contains(status.toUpperCase(java.util.Locale.ROOT))) {
            json(ctx, Problems.invalid("status is one of " + String.join(", ", statuses).toLowerCase(java.util.Locale.ROOT),
                    List.of(new Problems.FieldError("status", "'" + status + "' is not a status"))));
            return;
        }
        answer(ctx, service.inspect(dev.baton.runtime.Inspect.Request.of("workflows", "status", status, "type", type, "offset", offset, "limit", limit))
                .thenApply(b -> new Service.Answer(200, b)));
    }

    /** The settled Asks, oldest first, paged: {@code ?after=N} (the last {@code n} seen) and {@code ?limit=} (at most 500). */
    private void asks(Context ctx) {
        long after = longParam(ctx, "after", 0);
        int limit = Math.min(500, intParam(ctx, "limit", 100));
        if (after < 0 || limit < 0) return;
        answer(ctx, service.inspect(dev.baton.runtime.Inspect.Request.of("asks", "after", (int) Math.min(Integer.MAX_VALUE, after), "limit", limit))
                .thenApply(b -> new Service.Answer(200, b)));
    }

    private void errors(Context ctx) {
        long after = longParam(ctx, "after", 0);
        int limit = Math.min(1000, intParam(ctx, "limit", 100));
        if (after < 0 || limit < 0) return;
        String kind = ctx.queryParam("kind");
        List<Map<String, Object>> out = new ArrayList<>();
        long cursor = after;
        boolean more = false;
        scan:
        while (true) {
            List<StreamLog.Entry> batch = service.stream().after(cursor, 5000);
            if (batch.isEmpty()) break;
            for (StreamLog.Entry e : batch) {
                cursor = e.id();
                if (e.kind().equals("emit") || kind != null && !e.kind().equals(kind)) continue;
                if (out.size() >= limit) {
                    more = true;
                    break scan;
                }
                out.add(Service.object(e.json()));
            }
        }
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("errors", out);
        if (more) b.put("next_cursor", String.valueOf((long) ((Number) out.get(out.size() - 1).get("id")).longValue()));
        json(ctx, new Service.Answer(200, b));
    }

    /** SSE: state first, then every entry after Last-Event-ID (or ?after=), as it becomes durable. */
    private void stream(SseClient client) {
        Context ctx = client.ctx();
        if (streams.incrementAndGet() > MAX_STREAMS) {
            streams.decrementAndGet();
            client.sendEvent("overloaded", "{\"detail\":\"too many streams open; retry later\"}");
            client.close();
            return;
        }
        long after = 0;
        String last = ctx.header("Last-Event-ID");
        if (last == null) last = ctx.queryParam("after");
        if (last != null) {
            try {
                after = Long.parseLong(last.trim());
            } catch (NumberFormatException e) {
                after = 0;
            }
        }
        StreamLog.Sub sub = service.stream().subscribe(after);
        try (sub) {
            Map<String, Object> hello = new LinkedHashMap<>();
            hello.put("globals", service.inspect(dev.baton.runtime.Inspect.Request.of("state")).get(10, java.util.concurrent.TimeUnit.SECONDS).get("globals"));
            hello.put("last_id", service.stream().lastId());
            client.sendEvent("hello", Json.write(hello));
            while (!client.terminated()) {
                StreamLog.Entry e = sub.next(15_000);
                if (e == null) {
                    client.sendComment("keep-alive");
                    continue;
                }
                if (sub.ended(e)) break;
                if (e.id() < 0) client.sendEvent(e.kind(), e.json());
                else client.sendEvent(e.kind(), e.json(), String.valueOf(e.id()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            client.sendEvent("unavailable", "{\"detail\":\"the engine is not running\"}");
        } catch (RuntimeException e) {
            client.sendEvent("unavailable", Json.write(Map.of("detail", "the stream failed: " + e)));
        } finally {
            streams.decrementAndGet();
        }
    }

    // ------------------------------------------------------------------ helpers

    private Handler timed(String route, Handler h) {
        return ctx -> {
            long t0 = System.nanoTime();
            try {
                h.handle(ctx);
            } finally {
                ctx.attribute("baton.route", route);
                ctx.attribute("baton.t0", t0);
                // an async answer records itself when it is sent (see submit)
                if (ctx.attribute("baton.async") == null) metrics.request(route, ctx.method().name(), ctx.statusCode(), System.nanoTime() - t0);
            }
        };
    }

    private void submit(Context ctx, CompletableFuture<Service.Answer> f) {
        queued.incrementAndGet();
        answer(ctx, f.whenComplete((a, e) -> queued.decrementAndGet()));
    }

    private void answer(Context ctx, CompletableFuture<Service.Answer> f) {
        ctx.attribute("baton.async", Boolean.TRUE);
        ctx.future(() -> f.handle((a, e) -> {
            if (e != null) a = Problems.answer(503, "unavailable", "Unavailable", "the engine is not running", null);
            json(ctx, a);
            String route = ctx.attribute("baton.route");
            Long t0 = ctx.attribute("baton.t0");
            if (route != null && t0 != null) metrics.request(route, ctx.method().name(), a.status(), System.nanoTime() - t0);
            return null;
        }));
    }

    static void json(Context ctx, Service.Answer a) {
        ctx.status(a.status());
        ctx.contentType(Problems.isProblem(a) ? Problems.CONTENT_TYPE : "application/json; charset=utf-8");
        if (a.replayed()) ctx.header("Idempotent-Replayed", "true");
        if (a.status() == 429 || a.status() == 503) ctx.header("Retry-After", "1");
        ctx.result(Json.write(a.body()).getBytes(StandardCharsets.UTF_8));
    }

    /** The program served now. */
    private Plan plan() {
        return service.plan();
    }

    private String openApi() {
        Object[] cached = openApi;
        Plan p = plan();
        if (cached[0] != p) {
            cached = new Object[] {p, Json.write(OpenApi.document(p))};
            openApi = cached;
        }
        return (String) cached[1];
    }

    /** {@code POST /deploy}: the new version's text as the body; see {@code Service#deploy}. */
    private void deploy(Context ctx) throws IOException {
        if (!authorized(ctx)) return;
        byte[] body = body(ctx);
        if (body == null) return;
        if (body.length == 0) {
            json(ctx, Problems.answer(400, "invalid-request", "Invalid request", "send the new version of the program as the request's body", null));
            return;
        }
        answer(ctx, service.deploy(new String(body, StandardCharsets.UTF_8)));
    }

    private boolean authorized(Context ctx) {
        if (token == null) return true;
        String h = ctx.header("Authorization");
        String given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : ctx.cookie("baton_token");
        byte[] g = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
        if (MessageDigest.isEqual(digest(g), digest(token)) && given != null) return true;
        ctx.header("WWW-Authenticate", "Bearer realm=\"baton\"");
        json(ctx, Problems.answer(401, "unauthorized", "Unauthorized", given == null
                ? "this service requires a bearer token for every change: send Authorization: Bearer <token>"
                : "the bearer token is not this service's", null));
        return false;
    }

    /** Compared as digests, so that the time taken says nothing of the token (not even its length). */
    private static byte[] digest(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean admitted(Context ctx) {
        if (queued.get() < MAX_QUEUED) return true;
        json(ctx, Problems.answer(429, "too-many-requests", "Too many requests", queued.get()
                + " requests are waiting for the engine; retry after a moment", null));
        return false;
    }

    private byte[] body(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > MAX_BODY) {
            // read (and drop) what the client sends, so that it gets the answer instead of a broken connection
            if (declared <= DRAIN_LIMIT) ctx.req().getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            json(ctx, Problems.answer(413, "too-large", "Request too large", "the body is " + declared + " bytes; at most " + MAX_BODY, null));
            return null;
        }
        byte[] b = ctx.bodyAsBytes();
        if (b.length > MAX_BODY) {
            json(ctx, Problems.answer(413, "too-large", "Request too large", "the body is over " + MAX_BODY + " bytes", null));
            return null;
        }
        return b;
    }

    private static String mediaType(Context ctx) {
        String t = ctx.contentType();
        if (t == null) return "application/json";
        int semi = t.indexOf(';');
        return (semi < 0 ? t : t.substring(0, semi)).trim().toLowerCase(java.util.Locale.ROOT);
    }

    private static void unsupported(Context ctx, String what) {
        json(ctx, Problems.answer(415, "unsupported-media-type", "Unsupported media type", "Content-Type " + ctx.contentType()
                + " is not accepted here; send " + what, null));
    }

    private static final Service.Idem BAD_KEY = new Service.Idem("", "");

    /** The request's Idempotency-Key (quoted or not) with its fingerprint; null without one; BAD_KEY (answered 400) when malformed. */
    private static Service.Idem idem(Context ctx, byte[] body) {
        String k = ctx.header("Idempotency-Key");
        if (k == null) return null;
        k = k.trim();
        if (k.length() >= 2 && k.startsWith("\"") && k.endsWith("\"")) k = k.substring(1, k.length() - 1);
        if (k.isEmpty() || k.length() > 255 || !k.chars().allMatch(ch -> ch >= 0x21 && ch <= 0x7e)) {
            json(ctx, Problems.invalid("Idempotency-Key is 1 to 255 visible ASCII characters",
                    List.of(new Problems.FieldError("Idempotency-Key", "is malformed"))));
            return BAD_KEY;
        }
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((ctx.method().name() + " " + ctx.path() + "\n").getBytes(StandardCharsets.UTF_8));
            d.update(body);
            return new Service.Idem(k, HexFormat.of().formatHex(d.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object parse(String text) throws JsonProcessingException {
        return MAPPER.readValue(text, Object.class);
    }

    private Service.Answer noModule(String module) {
        return Problems.answer(404, "no-such-module", "No such module", "the program has no module '" + module + "'"
                + dev.baton.lang.DidYouMean.hint(module, plan().modules.stream().map(m -> m.name).toList()), null);
    }

    private static int intParam(Context ctx, String name, int dflt) {
        long v = longParam(ctx, name, dflt);
        return v > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) v;
    }

    private static long longParam(Context ctx, String name, long dflt) {
        String v = ctx.queryParam(name);
        if (v == null) return dflt;
        try {
            long n = Long.parseLong(v.trim());
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // said below
        }
        json(ctx, Problems.invalid(name + " is a whole number, 0 or more", List.of(new Problems.FieldError(name, "'" + v + "' is not"))));
        return -1;
    }

    /** The Core type, for readers of the API's answers ({@code Core#describeWorkflow}). */
    static Class<Core> coreType() {
        return Core.class;
    }
}
