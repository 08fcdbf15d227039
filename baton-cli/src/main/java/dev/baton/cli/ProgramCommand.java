package dev.baton.cli;

import dev.baton.runtime.plan.Plan;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** What {@code run} and {@code sim} share: their options, the program's parameters, loading the program. */
abstract class ProgramCommand implements Callable<Integer> {
    @Mixin
    RunSettings settings = new RunSettings();

    /** Leftover --NAME VALUE pairs: the program's parameters (picocli collects them on the command, not in a mixin). */
    @Unmatched
    List<String> paramArgs = new ArrayList<>();

    @Spec
    CommandSpec spec;

    /** Reads, checks and plans {@code file} with the parameters given; reports problems as {@code command}. */
    Plan load(String file, String command) throws Programs.Failed {
        return Programs.load(file, spec.commandLine().getErr(), command, Programs.overrides(paramArgs, spec.commandLine().getErr(), command),
                optionNames());
    }

    /** This command's options (for "did you mean" on an unknown one). */
    java.util.List<String> optionNames() {
        List<String> names = new ArrayList<>();
        for (picocli.CommandLine.Model.OptionSpec o : spec.options()) names.addAll(List.of(o.names()));
        return names;
    }
}
