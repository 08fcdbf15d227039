/**
 * Static types of Baton values, shared by the checker and (later) by engines that validate
 * values at run time — an AI answer against its {@code expect} shape, for example.
 */
package dev.baton.lang.types;
