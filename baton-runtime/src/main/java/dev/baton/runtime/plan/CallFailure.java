package dev.baton.runtime.plan;

/** Delivered to a suspended {@code Call} instead of a value when the call failed or timed out. */
public record CallFailure(String message) {
}
