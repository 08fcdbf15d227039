package dev.baton.serve;

import dev.baton.lang.types.Type;
import dev.baton.runtime.Json;
import dev.baton.runtime.plan.Plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI 3.1 document of a served program ({@code GET /openapi.json}), generated from its
 * declarations: a path per event, per module endpoint and per workflow type, their bodies' schemas
 * from the declared shapes ({@link Shapes#schema}), the problem type of every error, and the
 * events the program emits as {@code webhooks} (what {@code GET /stream} carries).
 */
public final class OpenApi {
    private OpenApi() {
    }

    public static Map<String, Object> document(Plan plan) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.1.0");
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("title", plan.file.name() + " served by Baton");
        info.put("version", plan.digest.length() > 12 ? plan.digest.substring(0, 12) : plan.digest);
        info.put("description", "The HTTP API of the Baton program " + plan.file.name() + ", generated from its declarations. Every mutation"
                + " accepts an Idempotency-Key header (answers kept " + Service.RETENTION_MS / 3_600_000 + " h, across restarts); errors are"
                + " RFC 9457 problem details.");
        doc.put("info", info);
        doc.put("jsonSchemaDialect", "https://spec.openapis.org/oas/3.1/dialect/base");
        Map<String, Object> paths = new LinkedHashMap<>();
        Map<String, Object> schemas = new LinkedHashMap<>();
        schemas.put("Problem", problemSchema());
        schemas.put("EventsAccepted", obj(Map.of("accepted", Map.of("type", "integer", "minimum", 0), "producer", Map.of("type", "string"),
                "seqs", Map.of("type", "array", "items", Map.of("type", "integer")), "at_ms", Map.of("type", "integer",
                        "description", "the engine time the events were applied at")), List.of("accepted", "producer", "seqs", "at_ms")));
        schemas.put("WorkflowStarted", obj(Map.of("id", Map.of("type", "string"), "workflow", Map.of("type", "string"),
                "created", Map.of("type", "boolean"), "status", Map.of("type", "string")), List.of("id", "workflow", "created", "status")));
        schemas.put("Workflow", workflowSchema());
        schemas.put("Result", obj(Map.of("id", Map.of("type", "string"), "workflow", Map.of("type", "string"), "status", Map.of("type", "string"),
                "result", Map.of(), "failure", Map.of("type", "string")), List.of("id", "status")));
        for (Plan.EventPlan e : plan.events) {
            String name = "Event." + e.name();
            schemas.put(name, Shapes.schema(e.payload()));
            Map<String, Object> ref = ref(name);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("required", true);
            Map<String, Object> content = new LinkedHashMap<>();
            content.put("application/json", Map.of("schema", Map.of("oneOf", List.of(ref, Map.of("type", "array", "items", ref, "maxItems", HttpApi.MAX_BATCH)))));
            content.put("application/x-ndjson", Map.of("schema", Map.of("type", "string", "description", "one " + e.name() + " payload (JSON) per line")));
            body.put("content", content);
            Map<String, Object> op = op("Emit " + e.name(), "events", "postEvent_" + id(e.name()),
                    "Journals and syncs the event(s) before answering 202; nothing answered 202 is lost or applied twice.", true);
            op.put("requestBody", body);
            op.put("responses", responses(Map.of("202", json("the events are durable and applied", ref("EventsAccepted"))),
                    "400", "401", "404", "409", "413", "415", "422", "429", "503"));
            paths.put("/events/" + e.name(), Map.of("post", op));
        }
        for (Plan.ModulePlan m : plan.modules) {
            for (Plan.Endpoint ep : m.endpoints) {
                String name = m.name + "." + ep.name();
                schemas.put("Args." + name, Shapes.schema(ep.paramsType()));
                Map<String, Object> reply = obj(Map.of("target", Map.of("type", "string"), "value", Shapes.schema(ep.returns())), List.of("target", "value"));
                schemas.put("Reply." + name, reply);
                Map<String, Object> path = new LinkedHashMap<>();
                List<Object> params = List.of(keyParam(m));
                Map<String, Object> body = Map.of("required", false, "content", Map.of("application/json", Map.of("schema", ref("Args." + name))));
                if (ep.query()) {
                    Map<String, Object> get = op("Query " + name, "modules", "get_" + id(name),
                            "A /return query, answered from the live state; nothing is journaled. Arguments as query parameters (JSON values).", false);
                    get.put("parameters", params);
                    get.put("responses", responses(Map.of("200", json("the query's value", ref("Reply." + name))), "400", "404", "422", "503", "504"));
                    path.put("get", get);
                    Map<String, Object> post = op("Query " + name, "modules", "query_" + id(name), "The same query, arguments in the body.", false);
                    post.put("parameters", params);
                    post.put("requestBody", body);
                    post.put("responses", responses(Map.of("200", json("the query's value", ref("Reply." + name))), "400", "404", "415", "422", "503", "504"));
                    path.put("post", post);
                } else {
                    Map<String, Object> post = op("Execute " + name, "modules", "execute_" + id(name),
                            "An /execute command: journaled, run through the instance's mailbox, answered with its reply once durable"
                                    + " (422 with the failure when it fails).", true);
                    post.put("parameters", params);
                    post.put("requestBody", body);
                    post.put("responses", responses(Map.of("200", json("the endpoint's reply", ref("Reply." + name))),
                            "400", "401", "404", "409", "413", "415", "422", "429", "503", "504"));
                    path.put("post", post);
                }
                paths.put("/modules/" + m.name + "/{key}/" + ep.name(), path);
            }
        }
        for (Plan.WorkflowPlan w : plan.workflows) {
            schemas.put("Start." + w.name(), Shapes.schema(w.paramsType()));
            Map<String, Object> req = obj(Map.of("id", Map.of("type", "string", "minLength", 1, "maxLength", 200,
                    "description", "the workflow's id: a second start with the same id is the same workflow"), "args", ref("Start." + w.name())), List.of());
            Map<String, Object> post = op("Start " + w.name(), "workflows", "start_" + id(w.name()), "Starts a workflow (journaled).", true);
            post.put("requestBody", Map.of("required", false, "content", Map.of("application/json", Map.of("schema", req))));
            post.put("responses", responses(Map.of("201", json("started", ref("WorkflowStarted")), "200", json("a workflow with this id exists: it is that one",
                    ref("WorkflowStarted"))), "400", "401", "404", "409", "413", "415", "422", "429", "503"));
            paths.put("/workflows/" + w.name(), Map.of("post", post));
        }
        generic(paths);
        doc.put("paths", paths);
        Map<String, Object> webhooks = new LinkedHashMap<>();
        for (Plan.EventPlan e : plan.events) {
            Map<String, Object> op = op(e.name() + " emitted", "stream", "emitted_" + id(e.name()),
                    "Carried by GET /stream as an 'emit' entry once durable.", false);
            op.put("requestBody", Map.of("content", Map.of("application/json", Map.of("schema", ref("Event." + e.name())))));
            op.put("responses", Map.of("200", Map.of("description", "received")));
            webhooks.put(e.name(), Map.of("post", op));
        }
        doc.put("webhooks", webhooks);
        Map<String, Object> components = new LinkedHashMap<>();
        components.put("schemas", schemas);
        components.put("securitySchemes", Map.of("bearer", Map.of("type", "http", "scheme", "bearer",
                "description", "required for every change when the service was started with --token")));
        doc.put("components", components);
        return doc;
    }

    private static void generic(Map<String, Object> paths) {
        paths.put("/workflows", Map.of("get", withParams(op("List workflows", "workflows", "listWorkflows",
                "Every workflow the run knows, in start order, filtered and paged.", false), List.of(
                query("status", "STARTED, RUNNING, COMPLETED, FAILED or CANCELLED (any case)", Map.of("type", "string")),
                query("type", "a workflow type", Map.of("type", "string")),
                query("cursor", "next_cursor of the previous page", Map.of("type", "string")),
                query("limit", "at most 1000 (default 100)", Map.of("type", "integer", "minimum", 0, "maximum", 1000))),
                Map.of("200", json("a page of workflows", Map.of("type", "object"))), "400")));
        Map<String, Object> idParam = pathParam("id", "the workflow's id");
        paths.put("/workflows/{id}", Map.of("get", withParams(op("Describe a workflow", "workflows", "getWorkflow",
                "Status, result or failure, position, saga step, locks held, what it waits on.", false), List.of(idParam),
                Map.of("200", json("the workflow", ref("Workflow"))), "404")));
        paths.put("/workflows/{id}/result", Map.of("get", withParams(op("A workflow's result", "workflows", "getResult",
                "Long-polls up to ?wait= (at most 60s) for the workflow to end; answers its state either way.", false),
                List.of(idParam, query("wait", "how long to wait, as 30s or 500ms", Map.of("type", "string"))),
                Map.of("200", json("the result (status RUNNING when it has not ended)", ref("Result"))), "400", "404")));
        Map<String, Object> cancel = withParams(op("Cancel a workflow", "workflows", "cancelWorkflow",
                "Journaled; a saga compensates (past its pivot it completes first).", true), List.of(idParam),
                Map.of("202", json("cancelling", Map.of("type", "object"))), "401", "404", "409", "422", "429", "503");
        paths.put("/workflows/{id}/cancel", Map.of("post", cancel));
        paths.put("/state", Map.of("get", withParams(op("Globals", "state", "getState", "The run's globals and counters.", false), List.of(),
                Map.of("200", json("the state", Map.of("type", "object"))))));
        paths.put("/modules", Map.of("get", withParams(op("Modules", "modules", "listModules", "Every module, its instances and endpoints.", false),
                List.of(), Map.of("200", json("the modules", Map.of("type", "object"))))));
        paths.put("/modules/{module}", Map.of("get", withParams(op("Instances", "modules", "listInstances", "A module's instances, paged.", false),
                List.of(pathParam("module", "the module"), query("cursor", "next_cursor of the previous page", Map.of("type", "string")),
                        query("limit", "at most 1000 (default 100)", Map.of("type", "integer", "minimum", 0, "maximum", 1000))),
                Map.of("200", json("a page of instances", Map.of("type", "object"))), "400", "404")));
        paths.put("/modules/{module}/{key}", Map.of("get", withParams(op("Instance", "modules", "getInstance",
                "An instance's state, lifecycle and mailbox depth (key _ for a single-instance module).", false),
                List.of(pathParam("module", "the module"), pathParam("key", "the instance's key, _ for a single-instance module")),
                Map.of("200", json("the instance", Map.of("type", "object"))), "404")));
        paths.put("/errors", Map.of("get", withParams(op("Errors and failures", "state", "listErrors",
                "Every runtime error and declared failure, in order, with its position; paged by id.", false),
                List.of(query("after", "the last id seen (0: from the start)", Map.of("type", "integer", "minimum", 0)),
                        query("kind", "error or failure", Map.of("type", "string", "enum", List.of("error", "failure"))),
                        query("limit", "at most 1000 (default 100)", Map.of("type", "integer", "minimum", 0, "maximum", 1000))),
                Map.of("200", json("a page of errors", Map.of("type", "object"))), "400")));
        paths.put("/report", Map.of("get", withParams(op("The program's Report, live", "state", "getReport",
                "The program's Report block evaluated against the run as it stands now: {engine_ms, report} (report null when the program"
                        + " declares none), or {engine_ms, error} when a figure does not evaluate yet. Nothing is recorded.", false),
                List.of(), Map.of("200", json("the report", Map.of("type", "object"))))));
        paths.put("/waits", Map.of("get", withParams(op("Every wait of the run", "state", "getWaits",
                "Each suspended handler, workflow and Fork branch, oldest first: who waits (waiter), on what kind of thing (reply, timer,"
                        + " event, lock, join, child, retry, start; hot_batch for the run itself), on what exactly (on), since when in engine"
                        + " time (since_ms, -1 when unknown) and where in the program (position, file:line:col). Nothing is recorded.", false),
                List.of(), Map.of("200", json("the waits", Map.of("type", "object", "required", List.of("engine_ms", "count", "waits")))))));
        paths.put("/asks", Map.of("get", withParams(op("The decisions: each settled Ask", "state", "listAsks",
                "Each Ask the run settled, oldest first, whoever answered it: n (from 1), the AI, where the Ask is (at, file:line:col), who"
                        + " asked (by), engine time, the input, every attempt (tries: the answer or why there was none, and why it was"
                        + " rejected) and the value taken (taken; fallback true when it is the otherwise). count counts every one;"
                        + " next_after is there when more follow. Nothing is recorded by reading.", false),
                List.of(query("after", "the last n seen (0: from the start)", Map.of("type", "integer", "minimum", 0)),
                        query("limit", "at most 500 (default 100)", Map.of("type", "integer", "minimum", 0, "maximum", 500))),
                Map.of("200", json("a page of decisions", Map.of("type", "object", "required", List.of("engine_ms", "count", "asks")))), "400")));
        Map<String, Object> deploy = op("Deploy a new version", "service", "deploy", "The new version of the program as the body (text/plain): checked,"
                + " compiled with the service's parameters, and the run moved to it between two turns — instances' state by name and the Migration's"
                + " blocks, suspended workflows where their code is the same or to the same statement — durably before the answer. 200: what moved;"
                + " 422: the program does not check (errors with positions); 409: the run cannot move (every reason, with positions); nothing"
                + " changes unless it is 200.", false);
        deploy.put("security", List.of(Map.of(), Map.of("bearer", List.of())));
        deploy.put("requestBody", Map.of("required", true, "content", Map.of("text/plain", Map.of("schema", Map.of("type", "string")))));
        Map<String, Object> deployed = new LinkedHashMap<>(responses(Map.of("200", json("what moved", Map.of("type", "object"))), "400", "401", "503"));
        deployed.put("409", Map.of("description", "the run cannot move to the new version", "content", Map.of(Problems.CONTENT_TYPE, Map.of("schema", ref("Problem")))));
        deployed.put("422", Map.of("description", "the new version does not check", "content", Map.of(Problems.CONTENT_TYPE, Map.of("schema", ref("Problem")))));
        deploy.put("responses", deployed);
        paths.put("/deploy", Map.of("post", deploy));
        Map<String, Object> stream = op("Live stream", "stream", "stream", "Server-Sent Events: 'hello' (globals), then 'emit', 'error',"
                + " 'failure' entries with the run's durable sequence as id (resume with Last-Event-ID or ?after=), 'state' changes, 'stats'"
                + " counters and the live 'report'.", false);
        stream.put("parameters", List.of(query("after", "resume after this id", Map.of("type", "integer", "minimum", 0))));
        stream.put("responses", responses(Map.of("200", Map.of("description", "the stream", "content", Map.of("text/event-stream", Map.of("schema",
                Map.of("type", "string"))))), "406"));
        paths.put("/stream", Map.of("get", stream));
        Map<String, Object> metrics = op("Prometheus metrics", "operations", "metrics", "The exposition text format.", false);
        metrics.put("responses", Map.of("200", Map.of("description", "metrics", "content", Map.of("text/plain", Map.of("schema", Map.of("type", "string"))))));
        paths.put("/metrics", Map.of("get", metrics));
        paths.put("/healthz", Map.of("get", withParams(op("Health", "operations", "health", "ok while the engine runs.", false), List.of(),
                Map.of("200", json("health", Map.of("type", "object"))))));
    }

    private static Map<String, Object> withParams(Map<String, Object> op, List<Object> params, Map<String, Object> ok, String... errors) {
        if (!params.isEmpty()) op.put("parameters", params);
        op.put("responses", responses(ok, errors));
        return op;
    }

    private static Map<String, Object> op(String summary, String tag, String operationId, String description, boolean mutation) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("summary", summary);
        op.put("description", description);
        op.put("operationId", operationId);
        op.put("tags", List.of(tag));
        if (mutation) {
            op.put("security", List.of(Map.of(), Map.of("bearer", List.of())));
            List<Object> params = new ArrayList<>();
            params.add(Map.of("name", "Idempotency-Key", "in", "header", "required", false, "description",
                    "a repeat with the same key replays the first answer; 409 while it is in flight; 422 with another body",
                    "schema", Map.of("type", "string", "minLength", 1, "maxLength", 255)));
            op.put("parameters", params);
        }
        return op;
    }

    private static Map<String, Object> responses(Map<String, Object> ok, String... errors) {
        Map<String, Object> r = new LinkedHashMap<>(ok);
        Map<String, String> why = Map.ofEntries(Map.entry("400", "invalid input: the errors list points at each field"),
                Map.entry("401", "a bearer token is required"), Map.entry("404", "no such event, module, instance, endpoint or workflow"),
                Map.entry("409", "a request with this Idempotency-Key is in flight"), Map.entry("413", "body or batch too large"),
                Map.entry("415", "unsupported Content-Type"), Map.entry("422", "the endpoint failed, or the Idempotency-Key was used with another request"),
                Map.entry("429", "too many requests waiting for the engine"), Map.entry("503", "the service is stopping"),
                Map.entry("504", "the endpoint did not reply in time"), Map.entry("406", "the request does not accept text/event-stream"));
        for (String e : errors) {
            r.put(e, Map.of("description", why.get(e), "content", Map.of(Problems.CONTENT_TYPE, Map.of("schema", ref("Problem")))));
        }
        return r;
    }

    private static Map<String, Object> json(String description, Map<String, Object> schema) {
        return Map.of("description", description, "content", Map.of("application/json", Map.of("schema", schema)));
    }

    private static Map<String, Object> ref(String name) {
        return Map.of("$ref", "#/components/schemas/" + name);
    }

    private static Map<String, Object> obj(Map<String, Object> props, List<String> required) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "object");
        s.put("properties", new LinkedHashMap<>(props));
        if (!required.isEmpty()) s.put("required", required);
        return s;
    }

    private static Map<String, Object> keyParam(Plan.ModulePlan m) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "string");
        if (m.keys.size() <= 64) {
            List<Object> keys = new ArrayList<>();
            if (m.keys.size() == 1) keys.add("_");
            for (Object k : m.keys) keys.add(String.valueOf(Json.toPlain(k)));
            schema.put("enum", keys);
        }
        return Map.of("name", "key", "in", "path", "required", true, "description",
                m.keys.size() == 1 ? "_ (the module has one instance)" : "the instance's key (" + m.keys.size() + " instances)", "schema", schema);
    }

    private static Map<String, Object> pathParam(String name, String description) {
        return Map.of("name", name, "in", "path", "required", true, "description", description, "schema", Map.of("type", "string"));
    }

    private static Map<String, Object> query(String name, String description, Map<String, Object> schema) {
        return Map.of("name", name, "in", "query", "required", false, "description", description, "schema", schema);
    }

    private static Map<String, Object> problemSchema() {
        Map<String, Object> error = obj(Map.of("pointer", Map.of("type", "string"), "detail", Map.of("type", "string")), List.of("pointer", "detail"));
        return obj(Map.of("type", Map.of("type", "string", "format", "uri"), "title", Map.of("type", "string"), "status", Map.of("type", "integer"),
                "detail", Map.of("type", "string"), "errors", Map.of("type", "array", "items", error)), List.of("type", "title", "status", "detail"));
    }

    private static Map<String, Object> workflowSchema() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", Map.of("type", "string"));
        p.put("workflow", Map.of("type", "string"));
        p.put("status", Map.of("type", "string"));
        p.put("started_at_ms", Map.of("type", "integer"));
        p.put("waiting_at", Map.of("type", "string"));
        p.put("waits_on", Map.of("type", "string"));
        p.put("parameters", Map.of("type", "object"));
        p.put("result", Map.of());
        p.put("error", Map.of("type", "string"));
        p.put("sagas", Map.of("type", "array", "items", Map.of("type", "object")));
        p.put("locks_held", Map.of("type", "array", "items", Map.of("type", "string")));
        p.put("children", Map.of("type", "array", "items", Map.of("type", "string")));
        p.put("parent", Map.of("type", "string"));
        return obj(p, List.of("id", "workflow", "status"));
    }

    /** An operationId part: letters, digits and _ only. */
    private static String id(String name) {
        return name.replaceAll("[^A-Za-z0-9_]", "_");
    }

    /** The type, for tests that compare a schema with the engine's own check. */
    static Map<String, Object> schemaOf(Type t) {
        return Shapes.schema(t);
    }
}
