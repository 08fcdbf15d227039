package dev.baton.runtime;

import java.util.Map;

/**
 * Where {@code Ask} gets its answers. The embedded engine's default is a deterministic
 * policy that works offline; an OpenAI-compatible HTTP provider implements the same SPI.
 * Whatever a provider answers is validated against the {@code expect} shape and checks
 * before anything uses it.
 */
public interface DecisionProvider {
    /**
     * @param provider the {@code AI} declaration's name
     * @param config   its options ({@code provider}, {@code model}, {@code instructions}…)
     * @param input    the value given to {@code Ask}
     * @param attempt  0 for the first try, then 1, 2… for retries
     * @param random   engine randomness in [0, 1), so answers are reproducible
     */
    Object decide(String provider, Map<String, Object> config, Object input, int attempt, java.util.function.DoubleSupplier random);
}
