package dev.baton.serve;

import dev.baton.runtime.plan.Plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A new version of the served program, as {@code POST /deploy} brings it, and the answers both
 * backends give about it: checked and compiled with the parameters of the program served (its
 * plan, or the 422 saying why not), the answer for the same program, and the 409 for a run that
 * cannot move. The move itself is the backend's ({@link Service}: between two turns;
 * {@link TemporalBackend}: the run's update {@code deploy}).
 *
 * @param plan    the new version compiled, or null when it does not check or compile
 * @param problem the 422 answer saying why it does not (null when it does)
 */
record NewVersion(Plan plan, Service.Answer problem) {
    static NewVersion of(Plan current, String source) {
        dev.baton.lang.CheckResult checked = dev.baton.lang.Baton.check(current.file.name(), source);
        if (checked.hasErrors()) {
            List<Problems.FieldError> errors = new ArrayList<>();
            for (dev.baton.lang.Diagnostic d : checked.diagnostics()) {
                if (!d.isError()) continue;
                errors.add(new Problems.FieldError(current.file.name() + ":" + d.line() + ":" + d.column(), d.code().id() + ": " + d.message()));
            }
            return new NewVersion(null, Problems.answer(422, "program-invalid", "The program does not check", "the new version has " + errors.size()
                    + " error(s); nothing changed", Map.of("errors", errors.stream().map(Problems.FieldError::plain).toList())));
        }
        try {
            return new NewVersion(dev.baton.runtime.internal.compile.Compiler.compileWithValues(checked, current.params), null);
        } catch (dev.baton.runtime.internal.compile.Compiler.PlanException e) {
            return new NewVersion(null, Problems.answer(422, "program-invalid", "The program does not compile", e.getMessage() + "; nothing changed", null));
        }
    }

    /** The answer to a deploy of the program the run runs already (comments and layout apart). */
    static Service.Answer sameProgram() {
        return new Service.Answer(200, Map.of("moved", false, "why", "the same program (comments and layout apart)"));
    }

    /** The 409 answer to a deploy the run cannot move to: every reason (nothing changed). */
    static Service.Answer cannotMove(Object fromVersion, Object toVersion, List<String> reasons) {
        List<Problems.FieldError> errors = new ArrayList<>();
        for (String why : reasons) errors.add(new Problems.FieldError("run", why));
        return Problems.answer(409, "cannot-migrate", "The run cannot move to the new version", "the run cannot move from version "
                + fromVersion + " to version " + toVersion + ", so nothing moved: " + String.join("; ", reasons),
                Map.of("errors", errors.stream().map(Problems.FieldError::plain).toList()));
    }
}
