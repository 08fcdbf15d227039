package dev.baton.runtime;

import dev.baton.lang.types.Type;

import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Where {@code Ask} gets its answers. The embedded engine's default is a deterministic
 * policy that works offline ({@link PolicyProvider}); an OpenAI-compatible HTTP provider
 * ({@code baton-ai}) implements the same SPI. Whatever a provider answers is validated
 * against the {@code expect} shape and checks before anything uses it — a provider's promise
 * (a strict schema, a range) is never trusted.
 */
public interface DecisionProvider {
    /**
     * @param provider the {@code AI} declaration's name
     * @param config   its options ({@code provider}, {@code model}, {@code instructions}…)
     * @param input    the value given to {@code Ask}
     * @param attempt  0 for the first try, then 1, 2… for retries
     * @param random   engine randomness in [0, 1), so answers are reproducible
     */
    Object decide(String provider, Map<String, Object> config, Object input, int attempt, DoubleSupplier random);

    /**
     * One attempt of an {@code Ask}, with what a model needs beyond the input.
     *
     * @param ai       the {@code AI} declaration's name
     * @param config   its options, after any run-time override ({@code --ai})
     * @param input    the value given to {@code Ask}
     * @param attempt  0 for the first try, then 1, 2…
     * @param random   engine randomness in [0, 1)
     * @param expect   the {@code expect} shape the answer must fit
     * @param checks   the names of the {@code check}s the answer must pass
     * @param rejected why the previous attempt was rejected (empty on the first): a model is told
     * @param ordinal  this attempt's place among every attempt of its scope (0, 1, 2…): the same on
     *                 a replay, so a recorded answer can be found again
     * @param scope    "" for the run itself; for a workflow that runs apart (its own core), its id
     */
    record Request(String ai, Map<String, Object> config, Object input, int attempt, DoubleSupplier random, Type expect,
                   List<String> checks, List<String> rejected, long ordinal, String scope) {
    }

    /** Answers one attempt. By default the older form above, which sees only the input. */
    default Object decide(Request r) {
        return decide(r.ai(), r.config(), r.input(), r.attempt(), r.random());
    }

    /**
     * True when the same request always gets the same answer (a policy of the input and the
     * engine's random stream): such answers need no journal, a replay recomputes them. False
     * for a model behind a network, whose every answer is journaled before it is used.
     */
    default boolean deterministic(Request r) {
        return true;
    }

    /**
     * No answer for an attempt, and why ("refused: …", "cut off at max_tokens", "budget spent: …"):
     * the attempt is rejected with this reason, as an answer of the wrong shape would be.
     */
    record NoAnswer(String why) {
    }

    /**
     * One attempt of a settled {@code Ask}, as the engine saw it.
     *
     * @param answer   what the provider answered (JSON values; null when it gave no answer)
     * @param none     why there was no answer ("refused: …", "budget spent: …"), or null
     * @param rejected why this attempt was rejected ("shape: …", a check's name); empty when it was taken
     */
    record Try(Object answer, String none, List<String> rejected) {
    }

    /**
     * An {@code Ask} once it has settled: what it was given, every attempt and why each rejected one
     * was rejected, and the value taken — an accepted answer, or the {@code otherwise} fallback.
     *
     * @param scope    "" for the run itself, or the id of a workflow that runs apart
     * @param ordinal  the first attempt's ordinal in its scope (the same on a replay: an Ask's identity)
     * @param ai       the {@code AI} declaration asked
     * @param at       where the {@code Ask} is, {@code file:line:col}
     * @param by       who asked (a module instance, or a workflow and its branch)
     * @param time     engine time in milliseconds
     * @param input    the value given to {@code Ask} (JSON values)
     * @param tries    every attempt, in order
     * @param taken    the value the program went on with (JSON values)
     * @param fallback true when every attempt was rejected and {@code taken} is the {@code otherwise}
     */
    record Asked(String scope, long ordinal, String ai, String at, String by, long time, Object input, List<Try> tries, Object taken,
                 boolean fallback) {
    }

    /**
     * Told of each {@code Ask} once it settles, so a provider that keeps records (the run's answer
     * log) can list every decision with its attempts. By default nothing is kept.
     */
    default void settled(Asked asked) {
    }

    /** The settled {@code Ask}s this provider kept, oldest first (none by default). */
    default List<Asked> asked() {
        return List.of();
    }

    /** How many {@code Ask}s have settled, kept or not; -1 for a provider that keeps no record of them (the default). */
    default long askedCount() {
        return -1;
    }
}
