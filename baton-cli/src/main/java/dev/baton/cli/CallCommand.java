package dev.baton.cli;

import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Faults;
import dev.baton.runtime.plan.Plan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code baton call FILE Module[KEY].Endpoint}: call an endpoint of a run on Temporal. */
@Command(name = "call", mixinStandardHelpOptions = true,
        description = {"Call an endpoint of a program's run on the Temporal engine and print the answer as JSON:",
                "{\"target\": …, \"ok\": true, \"value\": …} or {\"target\": …, \"ok\": false, \"failure\": \"…\"}.",
                "A /return endpoint is a Temporal query: answered from a copy of the run's current state, nothing recorded.",
                "An /execute endpoint is a Temporal update: recorded in the run's history and run inside it like a Call;",
                "sent again with the same --id it is answered again, not run twice.",
                "The run is found as 'baton run' finds it: the same FILE, parameters (--NAME VALUE), --seed and --faults.",
                "A 'baton run FILE --engine temporal' process or a 'baton worker' must be serving the run (this command hosts none).",
                "Exit codes: 0 answered ok, 1 the endpoint failed, 2 a bad call (unknown module, key, endpoint, bad",
                "arguments), 3 Temporal, the run or a worker could not be reached."})
final class CallCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The .baton program of the run.")
    String file;

    @Parameters(index = "1", paramLabel = "TARGET", description = "Module.Endpoint, or Module[KEY].Endpoint for a module with instances (KEY as JSON: 3, \"eu\").")
    String target;

    @Option(names = "--args", paramLabel = "JSON", description = "The arguments as a JSON object, e.g. '{\"amount\": 50}' (default: none).")
    String args;

    @Option(names = "--id", paramLabel = "ID", description = "The call's identity (default: a new one). A command sent again with the same id runs once.")
    String id;

    @Option(names = "--record", description = "Send a /return endpoint as an update too (recorded in the history, answered in the run's order).")
    boolean record;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "The run's seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--faults", paramLabel = "LIST", converter = Programs.FaultsConverter.class, description = "The run's --faults, if it had any.")
    Faults faults = Faults.NONE;

    @picocli.CommandLine.Mixin
    TemporalOptions temporal = new TemporalOptions();

    @Option(names = "--state", paramLabel = "redis://HOST:PORT", description = "The run's --state, if it had one (large payloads live there).")
    String state;

    @Option(names = "--wait", defaultValue = "30s", paramLabel = "TIME", converter = Programs.DurationConverter.class,
            description = "How long to wait for a worker to answer (default: ${DEFAULT-VALUE}).")
    Duration wait;

    @Unmatched
    List<String> paramArgs = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        dev.baton.temporal.TemporalTls tls;
        try {
            tls = temporal.checked(err, "call");
        } catch (Programs.Failed f) {
            return f.exitCode;
        }
        Plan plan;
        java.util.Map<String, String> overrides;
        dev.baton.redis.RedisSharedState redis;
        try {
            overrides = Programs.overrides(paramArgs, err, "call");
            plan = Programs.load(file, err, "call", overrides);
            redis = RunCommand.openState(state, err, "call");
        } catch (Programs.Failed f) {
            return f.exitCode;
        }
        try {
            dev.baton.temporal.TemporalEngine engine = new dev.baton.temporal.TemporalEngine(plan, overrides,
                    EngineOptions.defaults().withSeed(seed).withFaults(faults), temporal.target, temporal.namespace, false).withTls(tls);
            if (redis != null) engine.withBlobStore(RunCommand.blobsIn(redis, state));
            String answer = engine.callEndpoint(target, args, id != null ? id : java.util.UUID.randomUUID().toString(), record, wait);
            out.println(answer);
            out.flush();
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer).path("ok").asBoolean() ? ExitCode.OK : ExitCode.PROBLEMS;
        } catch (IllegalArgumentException e) {
            err.println("baton call: " + e.getMessage());
            return ExitCode.USAGE;
        } catch (IOException e) {
            err.println("baton call: " + e.getMessage());
            return ExitCode.INPUT;
        } finally {
            if (redis != null) redis.close();
        }
    }
}
