/**
 * Name resolution, type checking and the language's rules ({@code Checker}); built-in function
 * signatures; the whole-program warning about calls that can come back to a busy module
 * ({@code CallCycles}). Not API.
 */
package dev.baton.lang.internal.check;
