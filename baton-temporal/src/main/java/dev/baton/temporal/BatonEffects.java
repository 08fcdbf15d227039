package dev.baton.temporal;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

import java.util.List;

/**
 * What a run does outside Temporal, as (local) activities run by the worker: publishing the
 * events it emitted to the run's event bus ({@code --emit-log}).
 */
@ActivityInterface
public interface BatonEffects {
    @ActivityMethod(name = "PublishEmitted")
    void publish(List<EmittedEvent> events);
}
