package dev.baton.serve;

import dev.baton.runtime.EndpointCall;
import dev.baton.runtime.Inspect;
import dev.baton.runtime.plan.Plan;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What the HTTP API asks of the engine that runs the program: the embedded engine ({@link Service})
 * or a run on Temporal ({@link TemporalBackend}). The routes, checks and answers are the API's; a
 * backend makes mutations durable before their answer and answers reads from the live run.
 */
public interface Backend extends AutoCloseable {
    Plan plan();

    /** Deploys a new version of the program into the running service (see {@code Service#deploy}); this backend may not (501). */
    default CompletableFuture<Service.Answer> deploy(String source) {
        return CompletableFuture.completedFuture(Problems.answer(501, "not-implemented", "Not implemented",
                "deploying a new version into a running service is not available on this engine; restart it with the new program", null));
    }

    /** Starts the engine (resuming what the data directory or the run holds); returns once it serves. */
    void start() throws java.io.IOException;

    /** Completes once the engine has stopped (closed, or failed: see {@link #died}). */
    CompletableFuture<Void> stopped();

    /** The emitted events (and, where the engine records them, errors and failures) as the SSE stream serves them. */
    StreamLog stream();

    /** Why the engine stopped serving (null while it serves). */
    Throwable died();

    /** The run's counters, for {@code /state} and {@code /metrics} (any thread). */
    Map<String, Object> statsView();

    /** The service's Prometheus registry (the engine's counters, and what the HTTP API records). */
    Metrics metrics();

    /** Which engine this is ({@code embedded}, {@code temporal}), as {@code /healthz} says. */
    String engine();

    /** Events (already checked against their shapes), durable before the 202 answer with their sequence numbers. */
    CompletableFuture<Service.Answer> events(List<Service.EventIn> events, Service.Idem idem);

    /** An {@code /execute} endpoint call, answered with its reply (200) or declared failure (422). */
    CompletableFuture<Service.Answer> call(EndpointCall call, Service.Idem idem);

    /** A {@code /return} query, answered from the live state without recording anything. */
    CompletableFuture<Service.Answer> query(EndpointCall call);

    /** Starts workflow {@code workflow} (id null: the engine names it) with arguments (already checked). */
    CompletableFuture<Service.Answer> start(String workflow, String id, Object argsPlain, Service.Idem idem);

    CompletableFuture<Service.Answer> cancel(String id, Service.Idem idem);

    /** The workflow's result once it has ended, waiting up to {@code waitMs} of wall time. */
    CompletableFuture<Service.Answer> result(String id, long waitMs);

    /** A read of the live run (see {@link Inspect}); completes with null when the run has no such thing. */
    CompletableFuture<Map<String, Object>> inspect(Inspect.Request read);

    @Override
    void close();
}
