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

    @picocli.CommandLine.Mixin
    AiOptions ai = new AiOptions();

    EngineOptions engineOptions() {
        return EngineOptions.defaults().withSeed(seed).withFaults(faults).withDuration(duration).withDecisions(ai.providers());
    }

    /** What is wrong with the --ai flags or the AI declarations for this plan, or null (see {@link AiOptions#problem}). */
    String aiProblem(dev.baton.runtime.plan.Plan plan) {
        return ai.problem(plan);
    }

    boolean json() {
        return report == RunCommand.Format.json;
    }
}
