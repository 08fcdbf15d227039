package dev.baton.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAPI document: a valid OpenAPI 3.1 document, schemas valid JSON Schema 2020-12 that agree with what the API does. */
class OpenApiTest {
    @TempDir
    Path dir;

    static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    @Test
    void theDocumentIsValidOpenApi31AndEverySchemaIsValidJsonSchema() throws Exception {
        for (Path program : new Path[] {Served.resource("bank.baton"), Path.of("../examples/world-boss.baton"), Path.of("../examples/economy.baton")}) {
            String doc = dev.baton.runtime.Json.write(OpenApi.document(Served.plan(program)));
            SwaggerParseResult parsed = new OpenAPIParser().readContents(doc, null, null);
            assertThat(parsed.getMessages()).as(program + ": the parser's complaints").isEmpty();
            assertThat(parsed.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
            JsonNode root = Served.JSON.readTree(doc);
            Schema meta = REGISTRY.getSchema(com.networknt.schema.SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
            for (Iterator<Map.Entry<String, JsonNode>> it = root.at("/components/schemas").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertThat(meta.validate(e.getValue())).as(program + ": schema " + e.getKey()).isEmpty();
            }
            assertThat(root.at("/paths").size()).isGreaterThan(10);
        }
    }

    @Test
    void theSchemasAgreeWithTheApiAndEveryDocumentedReadAnswersAsDocumented() throws Exception {
        try (Served s = new Served(Served.resource("bank.baton"), dir, null)) {
            HttpResponse<String> served = s.get("/openapi.json");
            assertThat(served.statusCode()).isEqualTo(200);
            JsonNode doc = Served.JSON.readTree(served.body());
            assertThat(doc.at("/paths").has("/events/Bank.Deposit")).isTrue();
            assertThat(doc.at("/paths").has("/modules/Account/{key}/Withdraw")).isTrue();
            assertThat(doc.at("/paths").has("/workflows/Transfer")).isTrue();
            assertThat(doc.at("/webhooks").has("Bank.Deposited")).isTrue();
            // bounds became minimum/maximum, and the schema refuses what the API refuses
            JsonNode deposit = doc.at("/components/schemas/Event.Bank.Deposit");
            assertThat(deposit.at("/properties/amount/minimum").asInt()).isEqualTo(1);
            assertThat(deposit.at("/properties/amount/maximum").asInt()).isEqualTo(1000);
            assertThat(deposit.at("/properties/account/maximum").asInt()).isEqualTo(1);
            Schema event = schema(doc, "Event.Bank.Deposit");
            for (String payload : new String[] {"{\"account\": 0, \"amount\": 10}", "{\"account\": 2, \"amount\": 10}", "{\"account\": 0}",
                    "{\"account\": 0, \"amount\": 10, \"x\": 1}", "{\"account\": 0, \"amount\": 1.5}"}) {
                boolean schemaOk = event.validate(Served.JSON.readTree(payload)).isEmpty();
                int status = s.postJson("/events/Bank.Deposit", payload).statusCode();
                assertThat(status).as(payload).isEqualTo(schemaOk ? 202 : 400);
            }
            // answers fit their documented schemas
            HttpResponse<String> accepted = s.postJson("/events/Bank.Deposit", "{\"account\": 1, \"amount\": 10}");
            assertThat(schema(doc, "EventsAccepted").validate(Served.JSON.readTree(accepted.body()))).isEmpty();
            HttpResponse<String> reply = s.postJson("/modules/Account/1/Withdraw", "{\"amount\": 3}");
            assertThat(schema(doc, "Reply.Account.Withdraw").validate(Served.JSON.readTree(reply.body()))).isEmpty();
            HttpResponse<String> problem = s.postJson("/modules/Account/1/Withdraw", "{\"amount\": 3000}");
            assertThat(schema(doc, "Problem").validate(Served.JSON.readTree(problem.body()))).isEmpty();
            HttpResponse<String> started = s.postJson("/workflows/Transfer", "{\"id\": \"t\", \"args\": {\"from\": 1, \"to\": 0, \"amount\": 1}}");
            assertThat(schema(doc, "WorkflowStarted").validate(Served.JSON.readTree(started.body()))).isEmpty();
            assertThat(schema(doc, "Workflow").validate(Served.JSON.readTree(s.get("/workflows/t").body()))).isEmpty();
            // every documented route and method — path parameters filled in, POSTs with an empty object — answers
            // one of its documented statuses, with the documented content type
            int asked = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = doc.at("/paths").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                String path = p.getKey().replace("{module}", "Account").replace("{key}", "1").replace("{id}", "t");
                for (String method : new String[] {"get", "post"}) {
                    if (!p.getValue().has(method)) continue;
                    HttpResponse<String> r;
                    if (method.equals("get")) {
                        r = p.getKey().equals("/stream") ? s.get("/stream") : s.get(path);
                    } else {
                        r = s.postJson(path, "{}");
                    }
                    asked++;
                    JsonNode documented = p.getValue().at("/" + method + "/responses/" + r.statusCode());
                    assertThat(documented.isMissingNode()).as(method + " " + path + " answered " + r.statusCode() + ": " + r.body()).isFalse();
                    String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0];
                    if (documented.has("content")) {
                        assertThat(documented.get("content").has(type)).as(method + " " + path + " answered " + type).isTrue();
                    }
                }
            }
            assertThat(asked).isGreaterThan(15);
        }
    }

    /** A component schema, resolvable against the whole document (its $refs point into it). */
    static Schema schema(JsonNode doc, String name) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode s = (com.fasterxml.jackson.databind.node.ObjectNode) doc.at("/components/schemas/" + name).deepCopy();
        s.set("components", doc.get("components"));
        String text = Served.JSON.writeValueAsString(s).replace("#/components/schemas/", "#/components/schemas/");
        return REGISTRY.getSchema(text);
    }
}
