package dev.baton.temporal;

import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Faults;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.internal.exec.Detached;
import dev.baton.runtime.plan.Plan;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;

import java.time.Duration;
import java.util.Base64;

/**
 * Runs one self-contained Baton workflow in a core of its own, as fast as its engine time allows
 * (it touches nothing outside itself, so nothing waits on the clock): its own {@code Run}s of
 * self-contained workflows become child workflows in turn. Returns its outcome with the engine
 * time it ended at, so the run that started it puts the completion where it belongs. A child
 * still running at the run's engine-time limit returns "RUNNING".
 */
public final class BatonChildWorkflowImpl implements BatonChildWorkflow {
    private final HandOver handOver;

    public BatonChildWorkflowImpl() {
        this(new HandOver());
    }

    BatonChildWorkflowImpl(HandOver handOver) {
        this.handOver = handOver;
    }

    @Override
    public String run(ChildInput in) {
        handOver.serving(Workflow.getInfo().getWorkflowId());
        Plan plan = BatonRunWorkflowImpl.compile(in.file, in.source, in.params);
        if (in.workflow < 0 || in.workflow >= plan.workflows.size() || !plan.workflows.get(in.workflow).detachable()) {
            throw ApplicationFailure.newNonRetryableFailure("workflow " + in.workflow + " of " + in.file + " is not self-contained", "BatonProgramInvalid");
        }
        EngineOptions options = EngineOptions.defaults()
                .withDecisions(new dev.baton.ai.Providers(in.ai == null ? java.util.Map.of() : in.ai, new ModelsOnTemporal(java.util.Map.of())));
        Core core = Core.apart(plan, Faults.parse(in.faults), options.decisions(), in.run());
        ChildWorkflows children = new ChildWorkflows(in, core);
        core.setRunner(children);
        int steps = 0;
        while (core.outcome() == null && core.now() < in.limitMs) {
            handOver.check();
            core.runUntil(Math.min(in.limitMs, Math.max(core.now() + dev.baton.runtime.EmbeddedEngine.SLICE_MS, core.nextTime())));
            if (core.held() && !children.takeReturned()) {
                Workflow.await(() -> children.anyReturned() || wake);
                wake = false;
                steps = 0;
            } else if (++steps >= BatonRunWorkflowImpl.SLICES_PER_TASK) {
                Workflow.sleep(Duration.ofMillis(1)); // keep workflow tasks short
                steps = 0;
            }
        }
        Detached.Outcome o = core.outcome();
        if (o == null) o = Detached.Runner.RUNNING;
        handOver.finished(Workflow.getInfo().getWorkflowId());
        return Base64.getEncoder().encodeToString(CoreCodec.outcomeBytes(o));
    }

    private boolean wake;

    @Override
    public void handOver() {
        wake = true;
    }
}
