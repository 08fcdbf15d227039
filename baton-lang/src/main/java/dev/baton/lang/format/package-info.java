/** The canonical layout of Baton source ({@code baton fmt}). */
package dev.baton.lang.format;
