/** Lexer and recursive-descent parser with error recovery and a nesting limit. Not API. */
package dev.baton.lang.internal.parse;
