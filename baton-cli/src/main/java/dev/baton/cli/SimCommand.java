package dev.baton.cli;

import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.plan.Plan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;


/** {@code baton sim FILE --seed N --faults …}: a deterministic run with injected faults. */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = {"Simulate a program on virtual time with a seeded scheduler and injected faults.",
                "Nothing is kept on disk. The same program, seed and faults give the same run, byte for byte:",
                "the report ends with a hash of the trace of everything that happened.",
                "Any other --NAME VALUE sets the program's 'Param NAME' (e.g. --players 1000)."},
        footer = {"", "Faults (comma-separated):",
                "  crash[=N]            crash N instances at random moments (they restart",
                "                       0.1-0.5s later; events sent meanwhile wait for them)",
                "  crash=Module[:N]     crash N instances of Module",
                "  crash-state=keep|discard   what a crashed instance keeps (default keep)",
                "  delay[=P]            delay a call, reply or event with probability P (<= 50ms)",
                "  duplicate[=P]        deliver a message twice with probability P (calls are",
                "                       applied once; an event's copy is discarded)",
                "  drop[=P]             lose a message with probability P (calls time out and",
                "                       retry; a lost event is sent again 100ms later)",
                "  spike=Module         500ms extra latency on Module between 1s and 3s",
                "  hallucinate[=P]      replace an AI answer with nonsense with probability P"})
final class SimCommand extends ProgramCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The .baton program to simulate.")
    String file;


    @Override
    public Integer call() {
        Plan plan;
        try {
            plan = load(file, "sim");
        } catch (Programs.Failed f) {
            return f.exitCode;
        }
        if (settings.aiProblem(plan, "embedded") != null) {
            spec.commandLine().getErr().println("baton sim: " + settings.aiProblem(plan, "embedded"));
            return ExitCode.USAGE;
        }
        if (settings.faults.problemWith(plan) != null) {
            spec.commandLine().getErr().println("baton sim: " + settings.faults.problemWith(plan));
            return ExitCode.USAGE;
        }
        EngineOptions options = settings.engineOptions();
        return RunCommand.withEmitLog(settings.emitLog, true, RunCommand.stem(file), options, spec.commandLine().getErr(), "sim",
                o -> RunCommand.execute(plan, o, spec.commandLine().getOut(), spec.commandLine().getErr(), "sim", settings.json()));
    }
}
