package dev.baton.temporal;

import dev.baton.ai.OpenAiProvider;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * A model asked from a run on Temporal: one attempt of an {@code Ask}, sent by the worker as a
 * local activity. The workflow prepares the request and interprets the reply itself (both pure);
 * only the exchange with the model is here, and Temporal records its result, so a replay, a
 * recovery or a continue-as-new never asks the model again for an attempt it has answered.
 */
@ActivityInterface
public interface BatonAsk {
    @ActivityMethod(name = "AskModel")
    OpenAiProvider.Sent ask(OpenAiProvider.Prepared request);
}
