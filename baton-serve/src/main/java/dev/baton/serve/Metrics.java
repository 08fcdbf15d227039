package dev.baton.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The Prometheus metrics of a served program ({@code GET /metrics}): names prefixed
 * {@code baton_}, base units (seconds), {@code _total} on counters, histograms (so percentiles
 * aggregate), and only bounded label values — event types, module endpoints and routes come from
 * the program's declarations, never a player's or a workflow's id.
 */
public final class Metrics {
    private static final double[] LATENCY = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final double[] HANDLER = {0.000001, 0.000005, 0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 1};
    private static final String[] HANDLER_KINDS = {"event", "tick", "endpoint"};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter eventsIn;
    private final Counter commands;
    private final Histogram sync;
    private final Histogram handlers;
    private final Counter requests;
    private final Histogram requestSeconds;

    public Metrics(Supplier<Map<String, Object>> stats) {
        eventsIn = Counter.builder().name("baton_events_in_total").help("External events accepted (journaled and synced), by event type")
                .labelNames("event").register(registry);
        commands = Counter.builder().name("baton_commands_total").help("Endpoint calls from outside (/execute), by module and endpoint")
                .labelNames("endpoint").register(registry);
        sync = Histogram.builder().name("baton_journal_sync_duration_seconds").help("Time to make a batch durable (append + fsync of the journal)")
                .classicUpperBounds(LATENCY).classicOnly().register(registry);
        handlers = Histogram.builder().name("baton_handler_duration_seconds")
                .help("Time a handler runs on the engine thread, to its end or first wait, by kind (event, tick, endpoint)")
                .labelNames("kind").classicUpperBounds(HANDLER).classicOnly().register(registry);
        requests = Counter.builder().name("baton_http_requests_total").help("HTTP requests answered, by route, method and status")
                .labelNames("route", "method", "status").register(registry);
        requestSeconds = Histogram.builder().name("baton_http_request_duration_seconds").help("HTTP request latency, by route and method")
                .labelNames("route", "method").classicUpperBounds(LATENCY).classicOnly().register(registry);
        counter("baton_events_emitted_total", "Events the program emitted (loads and handlers included)", stats, "events_emitted");
        counter("baton_handler_runs_total", "Handler runs (events, ticks, endpoint calls)", stats, "handler_runs");
        counter("baton_handler_failures_total", "Handler runs that failed", stats, "handler_failures");
        counter("baton_runtime_errors_total", "Runtime errors (bugs: a type mismatch, a division by zero…)", stats, "errors");
        counter("baton_failures_total", "Declared failures (Fail, and what failed because of one)", stats, "failures");
        counter("baton_calls_total", "Calls sent between modules and from outside", stats, "calls");
        counter("baton_calls_failed_total", "Calls that failed or timed out after their retries", stats, "calls_failed");
        counter("baton_workflows_started_total", "Workflows started", stats, "workflows_started");
        counter("baton_sagas_compensated_total", "Sagas that started compensating", stats, "sagas_compensating");
        counter("baton_ticks_total", "Tick handler runs", stats, "ticks");
        GaugeWithCallback.builder().name("baton_workflows").help("Workflows the run knows, by status").labelNames("status")
                .callback(cb -> {
                    Object w = stats.get().get("workflows");
                    if (w instanceof Map<?, ?> m) m.forEach((k, v) -> cb.call(((Number) v).doubleValue(), String.valueOf(k).toLowerCase(java.util.Locale.ROOT)));
                }).register(registry);
        GaugeWithCallback.builder().name("baton_engine_time_seconds").help("The run's engine time")
                .callback(cb -> cb.call(number(stats.get().get("engine_ms")) / 1000.0)).register(registry);
        GaugeWithCallback.builder().name("baton_instances").help("Module instances in the run")
                .callback(cb -> cb.call(number(stats.get().get("instances")))).register(registry);
    }

    private void counter(String name, String help, Supplier<Map<String, Object>> stats, String key) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(number(stats.get().get(key)))).register(registry);
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    void eventsIn(List<Service.EventIn> events) {
        for (Service.EventIn e : events) eventsIn.labelValues(e.event()).inc();
    }

    void command(String target) {
        // Module[key].Endpoint → Module.Endpoint: the key is not a bounded label
        int open = target.indexOf('[');
        int close = target.lastIndexOf(']');
        commands.labelValues(open >= 0 && close > open ? target.substring(0, open) + target.substring(close + 1) : target).inc();
    }

    void journalSync(long nanos) {
        sync.observe(nanos / 1e9);
    }

    /** For {@code Core#setHandlerTimer}. */
    public void handlerRan(int kind, long nanos) {
        handlers.labelValues(HANDLER_KINDS[kind]).observe(nanos / 1e9);
    }

    void request(String route, String method, int status, long nanos) {
        requests.labelValues(route, method, String.valueOf(status)).inc();
        requestSeconds.labelValues(route, method).observe(nanos / 1e9);
    }

    /** The exposition text (format 0.0.4). */
    public byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toByteArray();
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.create().getContentType();
    }
}
