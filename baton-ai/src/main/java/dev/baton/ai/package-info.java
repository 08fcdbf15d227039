/**
 * Decision providers that ask real models. {@link dev.baton.ai.OpenAiProvider} speaks the
 * OpenAI-compatible Chat Completions protocol (OpenAI, vLLM, Ollama, llama.cpp's server);
 * {@link dev.baton.ai.Providers} routes each {@code AI} declaration to the offline policy or
 * to a model, with run-time overrides ({@code --ai Name=openai:URL}).
 *
 * <p>What lives here: requests, schemas from {@code expect} shapes, HTTP retries and the
 * parsing of answers. What must not: validating answers (the engine's {@code Ask} always does,
 * whatever a provider promised), journaling them (the engine's answer log does, before use),
 * or any state a replay would need — a provider here is asked only for attempts no journal holds.
 */
package dev.baton.ai;
