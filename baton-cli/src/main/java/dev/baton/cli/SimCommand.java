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

    @picocli.CommandLine.Option(names = "--answers", paramLabel = "DIR|FILE",
            description = {"Answer each Ask as a run recorded it: a run's data directory (its answers.log) or that file.",
                    "A model is not asked again; an attempt the run did not make (another seed, faults or program)",
                    "is answered by the AI's provider as usual. The file is only read."})
    java.nio.file.Path answers;


    @Override
    public Integer call() {
        Plan plan;
        try {
            plan = load(file, "sim");
        } catch (Programs.Failed f) {
            return f.exitCode;
        }
        if (settings.aiProblem(plan) != null) {
            spec.commandLine().getErr().println("baton sim: " + settings.aiProblem(plan));
            return ExitCode.USAGE;
        }
        if (settings.faults.problemWith(plan) != null) {
            spec.commandLine().getErr().println("baton sim: " + settings.faults.problemWith(plan));
            return ExitCode.USAGE;
        }
        EngineOptions options = settings.engineOptions();
        dev.baton.runtime.internal.journal.AnswerLog replay = null;
        if (answers != null) {
            java.nio.file.Path log = java.nio.file.Files.isDirectory(answers) ? answers.resolve("answers.log") : answers;
            try {
                replay = dev.baton.runtime.internal.journal.AnswerLog.replaying(log, options.decisions());
            } catch (java.nio.file.NoSuchFileException e) {
                spec.commandLine().getErr().println("baton sim: --answers " + answers + ": no recorded answers at " + log
                        + " (a run keeps them in its data directory's answers.log when a model answers its Asks)");
                return ExitCode.INPUT;
            } catch (java.io.IOException | RuntimeException e) {
                spec.commandLine().getErr().println("baton sim: --answers " + answers + ": " + e.getMessage());
                return ExitCode.INPUT;
            }
            options = options.withDecisions(replay);
        }
        dev.baton.runtime.internal.journal.AnswerLog replayed = replay;
        Integer code = RunCommand.withEmitLog(settings.emitLog, true, RunCommand.stem(file), options, spec.commandLine().getErr(), "sim",
                o -> RunCommand.execute(plan, o, spec.commandLine().getOut(), spec.commandLine().getErr(), "sim", settings.json()));
        if (replayed != null) {
            spec.commandLine().getErr().println("baton sim: " + replayed.replayed + " answers replayed from " + answers + ", "
                    + replayed.asked + " attempts not recorded there (answered by their provider)");
        }
        return code;
    }
}
