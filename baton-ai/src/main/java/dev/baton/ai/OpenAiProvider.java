package dev.baton.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.runtime.DecisionProvider;
import dev.baton.runtime.Json;
import dev.baton.runtime.internal.journal.AnswerLog;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An {@code AI} answered by a model behind an OpenAI-compatible {@code /v1/chat/completions}
 * endpoint (OpenAI, vLLM, Ollama, llama.cpp's server).
 *
 * <h2>One attempt</h2>
 * The request carries the AI's {@code instructions}, the {@code expect} shape as a strict
 * {@code response_format} JSON schema (bounds included) and — because llama.cpp's server and
 * Ollama only constrain sampling with it — the same schema and the names of the {@code check}s
 * in the system prompt; the {@code Ask} input as the user message; on a retry, why the previous
 * answer was rejected. The reply becomes an answer (its JSON parsed, never trusted: the engine
 * validates it) or a {@link DecisionProvider.NoAnswer} saying why there is none: a refusal,
 * {@code finish_reason: length} (cut off), a content filter, invalid JSON, a quota spent, an
 * HTTP error, a timeout. Either way the engine's {@code retries} and {@code otherwise} decide.
 *
 * <h2>Transport</h2>
 * As the official clients do: 408, 409, 429 and 5xx (and connection failures and timeouts)
 * are retried up to {@code http_retries} times (default 2), after {@code retry-after-ms} /
 * {@code retry-after} when the server says (0–60 s), else after an exponential backoff with
 * jitter; a 429 whose error is {@code insufficient_quota} is not transient. Each request has
 * the AI's {@code timeout} (default 60 s).
 *
 * <p>Owns: the protocol. Must not: validate answers, journal them, or keep anything a replay
 * would need (it is asked only for attempts the engine's answer log does not hold).
 */
public final class OpenAiProvider implements DecisionProvider {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final int DEFAULT_HTTP_RETRIES = 2;

    /** Waits between HTTP retries (tests pass one that records instead of sleeping). */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final HttpClient http;
    private final Sleeper sleeper;
    private final java.util.function.Function<String, String> env;
    /** HTTP requests sent so far (every retry counts). */
    private long requests;

    public OpenAiProvider() {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), d -> Thread.sleep(d.toMillis()), System::getenv);
    }

    public OpenAiProvider(HttpClient http, Sleeper sleeper, java.util.function.Function<String, String> env) {
        this.http = http;
        this.sleeper = sleeper;
        this.env = env;
    }

    @Override
    public boolean deterministic(Request r) {
        return false;
    }

    @Override
    public Object decide(String provider, Map<String, Object> config, Object input, int attempt, java.util.function.DoubleSupplier random) {
        throw new UnsupportedOperationException("a model needs the expect shape: use decide(Request)");
    }

    public long requests() {
        return requests;
    }

    @Override
    public Object decide(Request r) {
        Object prepared = prepare(r);
        if (prepared instanceof NoAnswer none) return none;
        return interpret((Prepared) prepared, send((Prepared) prepared));
    }

    /**
     * One attempt's HTTP request, worked out from the request alone (no I/O, no clock: an engine
     * that replays may compute it again): where it goes, the environment variable with the key
     * (read where it is sent, so no key is ever recorded), the body, the timeout and retries.
     */
    public record Prepared(String ai, String uri, String keyEnv, String body, long timeoutMs, int httpRetries, boolean wrapped) {
    }

    /** What came back for a {@link Prepared} request: a 200's body, or why there is none (and the tokens of neither). */
    public record Sent(String body, String noAnswer) {
    }

    /** The request of one attempt, or a {@link NoAnswer} when it cannot be made (no endpoint, not a URL). */
    public static Object prepare(Request r) {
        String endpoint = text(r.config(), "endpoint");
        if (endpoint == null) return new NoAnswer("AI " + r.ai() + " has provider \"openai\" but no endpoint");
        String model = text(r.config(), "model");
        String body;
        try {
            body = JSON.writeValueAsString(request(r, model));
        } catch (IOException e) {
            return new NoAnswer("could not write the request: " + e.getMessage());
        }
        Duration timeout = r.config().get("timeout") instanceof Duration d ? d : DEFAULT_TIMEOUT;
        int httpRetries = r.config().get("http_retries") instanceof Number n ? (int) Math.max(0, n.longValue()) : DEFAULT_HTTP_RETRIES;
        String uri = endpoint.replaceAll("/+$", "") + "/chat/completions";
        try {
            URI.create(uri);
        } catch (IllegalArgumentException bad) {
            return new NoAnswer("AI " + r.ai() + " has an endpoint that is not a URL: " + endpoint);
        }
        return new Prepared(r.ai(), uri, text(r.config(), "key_env"), body, timeout.toMillis(), httpRetries, Schemas.wrapped(r.expect()));
    }

    /** Sends a prepared request, retrying what is transient; the body of its 200, or why there is none. */
    public Sent send(Prepared p) {
        String key = null;
        if (p.keyEnv() != null) {
            key = env.apply(p.keyEnv());
            if (key == null || key.isBlank()) return new Sent(null, "the environment variable " + p.keyEnv() + " (key_env of AI " + p.ai() + ") is not set");
        }
        URI uri = URI.create(p.uri());
        Duration timeout = Duration.ofMillis(p.timeoutMs());
        byte[] body = p.body().getBytes(StandardCharsets.UTF_8);
        String last = null;
        for (int attempt = 0; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (key != null) b.header("Authorization", "Bearer " + key);
            Duration wait;
            try {
                requests++;
                HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int status = resp.statusCode();
                if (status == 200) return new Sent(resp.body(), null);
                String message = errorMessage(resp.body());
                last = "HTTP " + status + (message == null ? "" : ": " + message);
                if (status == 429 && resp.body() != null && resp.body().contains("insufficient_quota")) return new Sent(null, "quota spent (" + last + ")");
                if (!(status == 408 || status == 409 || status == 429 || status >= 500)) return new Sent(null, last);
                wait = retryAfter(resp);
            } catch (HttpTimeoutException e) {
                last = "no answer within " + timeout.toMillis() + "ms";
                wait = null;
            } catch (IOException e) {
                last = "cannot reach " + uri + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")";
                wait = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Sent(null, "interrupted while waiting for " + uri);
            }
            if (attempt >= p.httpRetries()) return new Sent(null, last + (attempt > 0 ? " (after " + (attempt + 1) + " requests)" : ""));
            if (wait == null) {
                long base = 500L << Math.min(attempt, 6);
                wait = Duration.ofMillis(Math.min(8_000, base) + ThreadLocalRandom.current().nextLong(Math.max(1, base / 4)));
            }
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Sent(null, "interrupted while waiting to retry " + uri);
            }
        }
    }

    /** What was sent back, as an answer (metered) or why there is none: a pure function, so an engine may compute it again. */
    public static Object interpret(Prepared p, Sent s) {
        return s.noAnswer() != null ? new NoAnswer(s.noAnswer()) : answer(p.wrapped(), s.body());
    }

    /** The Chat Completions request of one attempt. */
    static Map<String, Object> request(Request r, String model) {
        Map<String, Object> schema = Schemas.root(r.expect());
        Map<String, Object> req = new LinkedHashMap<>();
        if (model != null) req.put("model", model);
        List<Map<String, Object>> messages = new ArrayList<>();
        StringBuilder system = new StringBuilder();
        String instructions = text(r.config(), "instructions");
        if (instructions != null) system.append(instructions).append("\n\n");
        system.append("Answer with one JSON object and nothing else. It must match this JSON schema:\n");
        system.append(Json.write(schema));
        if (!r.checks().isEmpty()) system.append("\nIt must also pass these checks: ").append(String.join(", ", r.checks())).append('.');
        if (Schemas.wrapped(r.expect())) system.append("\nPut the value in the field \"").append(Schemas.WRAPPED).append("\".");
        messages.add(message("system", system.toString()));
        messages.add(message("user", Json.write(Json.toPlain(r.input()))));
        if (!r.rejected().isEmpty()) {
            messages.add(message("user", "Your previous answer was rejected: " + String.join("; ", r.rejected())
                    + ". Answer again, correcting this."));
        }
        req.put("messages", messages);
        Map<String, Object> format = new LinkedHashMap<>();
        format.put("type", "json_schema");
        format.put("json_schema", Map.of("name", Schemas.name(r.ai()), "schema", schema, "strict", true));
        req.put("response_format", format);
        if (r.config().get("max_tokens") instanceof Number n) req.put("max_tokens", n.longValue());
        if (r.config().get("temperature") instanceof Number n) req.put("temperature", n.doubleValue());
        return req;
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    /** A 200's body as an answer (metered with the tokens it reports) or why there is none. */
    static Object answer(boolean wrapped, String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return new NoAnswer("the server's reply is not JSON");
        }
        JsonNode choice = root == null ? null : root.path("choices").path(0);
        if (choice == null || choice.isMissingNode()) return new NoAnswer("the server's reply has no choices[0]");
        long tokens = root.path("usage").path("total_tokens").asLong(0);
        JsonNode msg = choice.path("message");
        String refusal = msg.path("refusal").isTextual() ? msg.path("refusal").asText() : null;
        if (refusal != null && !refusal.isBlank()) return new AnswerLog.Metered(new NoAnswer("refused: " + refusal), tokens);
        String finish = choice.path("finish_reason").asText("");
        if (finish.equals("length")) return new AnswerLog.Metered(new NoAnswer("cut off at max_tokens (finish_reason: length)"), tokens);
        if (finish.equals("content_filter")) return new AnswerLog.Metered(new NoAnswer("withheld by a content filter"), tokens);
        if (!msg.path("content").isTextual()) return new AnswerLog.Metered(new NoAnswer("the answer has no text content"
                + (finish.isEmpty() ? "" : " (finish_reason: " + finish + ")")), tokens);
        String content = msg.path("content").asText();
        Object value;
        try {
            value = Json.parse(stripFence(content));
        } catch (ValueError bad) {
            return new AnswerLog.Metered(new NoAnswer("the answer is not JSON: " + bad.getMessage()), tokens);
        }
        if (wrapped) {
            if (!(value instanceof PSortedMap<?, ?> m) || !Values.map(m).containsKey(Schemas.WRAPPED)) {
                return new AnswerLog.Metered(new NoAnswer("the answer has no field \"" + Schemas.WRAPPED + "\""), tokens);
            }
            value = Values.map(m).get(Schemas.WRAPPED);
        }
        return new AnswerLog.Metered(value, tokens);
    }

    /** Some local models wrap JSON in a Markdown fence despite the schema. */
    private static String stripFence(String s) {
        String t = s.strip();
        if (t.startsWith("```")) {
            int nl = t.indexOf('\n');
            int end = t.lastIndexOf("```");
            if (nl > 0 && end > nl) return t.substring(nl + 1, end);
        }
        return t;
    }

    private static String errorMessage(String body) {
        if (body == null || body.isBlank()) return null;
        try {
            JsonNode n = JSON.readTree(body);
            JsonNode m = n.path("error").path("message");
            if (m.isTextual()) return m.asText();
            if (n.path("error").isTextual()) return n.path("error").asText();
        } catch (IOException notJson) {
            // fall through
        }
        String t = body.strip();
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }

    /** The server's own wait: {@code retry-after-ms}, else {@code retry-after} in seconds; null when absent or beyond 60 s. */
    static Duration retryAfter(HttpResponse<?> resp) {
        var ms = resp.headers().firstValue("retry-after-ms");
        try {
            if (ms.isPresent()) {
                double v = Double.parseDouble(ms.get().trim());
                if (v >= 0 && v <= 60_000) return Duration.ofMillis((long) v);
            }
            var s = resp.headers().firstValue("retry-after");
            if (s.isPresent()) {
                double v = Double.parseDouble(s.get().trim());
                if (v >= 0 && v <= 60) return Duration.ofMillis((long) (v * 1000));
            }
        } catch (NumberFormatException httpDate) {
            // an HTTP date: use our own backoff
        }
        return null;
    }

    private static String text(Map<String, Object> config, String name) {
        return config.get(name) instanceof String s && !s.isBlank() ? s : null;
    }
}
