package dev.baton.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.lang.Baton;
import dev.baton.runtime.DataDir;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.plan.Plan;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** A program served in this JVM on a free port of 127.0.0.1, with an HTTP client for it. */
final class Served implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final Service service;
    final Backend backend;
    final HttpApi api;
    final DataDir held;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    Served(Path program, Path dir, String token) throws Exception {
        Plan plan = plan(program);
        held = DataDir.lock(dir);
        EngineOptions options = EngineOptions.defaults().withDataDir(held).withRealClock(true);
        StreamLog stream = StreamLog.open(dir);
        service = new Service(plan, options, stream);
        backend = service;
        service.start();
        api = new HttpApi(service, token, "127.0.0.1", 0).start();
    }

    /** {@code backend} (not started) served on a free port; {@code dir} is held while it serves. */
    Served(java.util.function.Function<Path, Backend> backend, Path dir, String token) throws Exception {
        held = DataDir.lock(dir);
        this.backend = backend.apply(dir);
        this.service = this.backend instanceof Service s ? s : null;
        try {
            this.backend.start();
        } catch (Exception e) {
            held.close();
            throw e;
        }
        api = new HttpApi(this.backend, token, "127.0.0.1", 0).start();
    }

    static Plan plan(Path program) throws Exception {
        return dev.baton.runtime.internal.compile.Compiler.compile(Baton.check(program.toString(), Files.readString(program)));
    }

    /** A test resource's text. */
    static String text(String name) {
        try {
            return Files.readString(resource(name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Path resource(String name) {
        try {
            return Path.of(Served.class.getResource("/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    String base() {
        return "http://127.0.0.1:" + api.port();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(90)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String contentType, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(90))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("Content-Type", contentType);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postJson(String path, String body, String... headers) throws IOException, InterruptedException {
        return post(path, "application/json", body, headers);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> body(HttpResponse<String> r) throws IOException {
        return JSON.readValue(r.body(), Map.class);
    }

    @SuppressWarnings("unchecked")
    static <T> Map<String, T> cast(Object o) {
        return (Map<String, T>) o;
    }

    static long journalSize(Path dir) throws IOException {
        return Files.size(dir.resolve("journal.log"));
    }

    @Override
    public void close() throws IOException {
        api.close();
        backend.close();
        held.close();
    }
}
