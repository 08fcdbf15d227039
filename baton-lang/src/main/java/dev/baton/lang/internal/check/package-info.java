/** Name resolution, type checking and the language's rules; built-in function signatures. Not API. */
package dev.baton.lang.internal.check;
