/**
 * The public face of the Baton front end: {@link dev.baton.lang.Baton} parses and checks
 * {@code .baton} sources and returns results that carry {@link dev.baton.lang.Diagnostic}s.
 *
 * <p>Nothing here depends on a runtime or an engine, and nothing throws for a problem in
 * the user's input. Implementation lives in {@code dev.baton.lang.internal…} and may change
 * at any time; engines use only this package, {@code ast}, {@code types} and {@code format}.
 */
package dev.baton.lang;
