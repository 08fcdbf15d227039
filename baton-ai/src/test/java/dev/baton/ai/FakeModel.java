package dev.baton.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A local HTTP server speaking the OpenAI Chat Completions protocol, answering from a script
 * (one reply per request, in order; the last one repeats), counting and keeping the requests.
 */
final class FakeModel implements AutoCloseable {
    /** One scripted reply. */
    record Reply(int status, String body, String retryAfterMs, boolean hang) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
    private volatile Reply last = content("{}");
    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);

    FakeModel() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    FakeModel then(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.add(JSON.readTree(ex.getRequestBody().readAllBytes()));
        Reply r = script.poll();
        if (r == null) r = last;
        else last = r;
        if (r.hang()) {
            try {
                released.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        if (r.retryAfterMs() != null) ex.getResponseHeaders().add("retry-after-ms", r.retryAfterMs());
        try {
            ex.sendResponseHeaders(r.status(), body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException clientGone) {
            // the client timed out
        }
    }

    /** A 200 whose message content is {@code content}, finishing with {@code stop}. */
    static Reply content(String content) {
        return completion(JSON.getNodeFactory().textNode(content).toString(), "null", "stop");
    }

    static Reply refusal(String why) {
        return completion("null", JSON.getNodeFactory().textNode(why).toString(), "stop");
    }

    static Reply truncated(String partial) {
        return completion(JSON.getNodeFactory().textNode(partial).toString(), "null", "length");
    }

    static Reply status(int status, String retryAfterMs) {
        return new Reply(status, "{\"error\":{\"message\":\"status " + status + "\",\"type\":\"server_error\"}}", retryAfterMs, false);
    }

    static Reply hang() {
        return new Reply(200, "{}", null, true);
    }

    private static Reply completion(String content, String refusal, String finish) {
        return new Reply(200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":" + content + ",\"refusal\":" + refusal + "},\"finish_reason\":\"" + finish + "\"}],"
                + "\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":10,\"total_tokens\":50}}", null, false);
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
    }
}
