package dev.baton.cli;

import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Faults;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** The options {@code run} and {@code sim} share (a picocli mixin). */
final class RunSettings {
    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed for every random choice (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--faults", paramLabel = "LIST", converter = Programs.FaultsConverter.class,
            description = "Faults to inject on top of the program's declared ones (see 'baton sim --help').")
    Faults faults = Faults.NONE;

    @Option(names = "--duration", paramLabel = "TIME", converter = Programs.DurationConverter.class,
            description = "Engine time to run at most, e.g. 30s (default: until the work settles; 10s when a load never ends).")
    Duration duration;

    @Option(names = "--report", defaultValue = "text", paramLabel = "FORMAT", description = "Report format: text or json (default: ${DEFAULT-VALUE}).")
    RunCommand.Format report;

    @Option(names = "--emit-log", paramLabel = "FILE|kafka://HOST:PORT",
            description = {"Write every emitted event to FILE as JSON lines (engine time, seq, event, payload); a resumed run appends",
                    "(what it re-executes after a crash comes again with the same seq), --fresh starts the file over;",
                    "or publish it to Kafka: event E to topic E (kafka://HOST:PORT?prefix=P: topic P+E), JSON value,",
                    "headers baton-time and baton-seq (its number in the run: repeats after a crash carry the same number)."})
    String emitLog;

    @Option(names = "--ai", paramLabel = "NAME=PROVIDER", converter = AiConverter.class,
            description = {"Answer AI NAME by another provider for this run, without an edit of the program: NAME=policy (the offline,",
                    "deterministic policy), NAME=openai:ENDPOINT or NAME=openai:ENDPOINT#MODEL (a model behind an OpenAI-compatible",
                    "Chat Completions endpoint, e.g. openai:http://127.0.0.1:8000/v1#qwen2.5-7b). Repeatable. Every answer a model",
                    "gives is journaled before use (a resumed run never asks again) and checked against the Ask's expect and checks."})
    java.util.List<java.util.Map.Entry<String, java.util.Map<String, Object>>> ai = new java.util.ArrayList<>();

    EngineOptions engineOptions() {
        return EngineOptions.defaults().withSeed(seed).withFaults(faults).withDuration(duration).withDecisions(providers());
    }

    dev.baton.ai.Providers providers() {
        java.util.Map<String, java.util.Map<String, Object>> o = new java.util.LinkedHashMap<>();
        for (var e : ai) o.put(e.getKey(), e.getValue());
        return new dev.baton.ai.Providers(o);
    }

    /** What is wrong with the --ai flags or the AI declarations for this plan (an unknown name, a model without an endpoint), or null. */
    String aiProblem(dev.baton.runtime.plan.Plan plan) {
        for (var e : ai) {
            if (!plan.ais.containsKey(e.getKey())) {
                String near = dev.baton.lang.internal.Suggest.closest(e.getKey(), plan.ais.keySet());
                return "--ai " + e.getKey() + ": the program declares no AI " + e.getKey()
                        + (near != null ? "; did you mean '" + near + "'?"
                        : plan.ais.isEmpty() ? " (it declares none)" : " (it declares " + String.join(", ", plan.ais.keySet()) + ")");
            }
        }
        dev.baton.ai.Providers p = providers();
        for (var d : plan.ais.entrySet()) {
            java.util.Map<String, Object> c = p.config(d.getKey(), d.getValue());
            if ("openai".equals(c.get("provider")) && !(c.get("endpoint") instanceof String s && !s.isBlank())) {
                return "AI " + d.getKey() + " has provider \"openai\" but no endpoint: give one in the program or with --ai "
                        + d.getKey() + "=openai:http://HOST:PORT/v1";
            }
        }
        return null;
    }

    /** Parses one --ai value. */
    static final class AiConverter implements picocli.CommandLine.ITypeConverter<java.util.Map.Entry<String, java.util.Map<String, Object>>> {
        @Override
        public java.util.Map.Entry<String, java.util.Map<String, Object>> convert(String value) {
            try {
                return dev.baton.ai.Providers.parseOverride(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    boolean json() {
        return report == RunCommand.Format.json;
    }
}
