package dev.baton.temporal;

import dev.baton.ai.OpenAiProvider;

/** The worker's side of {@link BatonAsk}: sends the prepared request (the key read from this worker's environment). */
final class BatonAskImpl implements BatonAsk {
    private final OpenAiProvider model = new OpenAiProvider();

    @Override
    public OpenAiProvider.Sent ask(OpenAiProvider.Prepared request) {
        return model.send(request);
    }
}
