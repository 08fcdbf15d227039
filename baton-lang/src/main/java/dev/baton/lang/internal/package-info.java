/**
 * Implementation of the front end. Not API: names and shapes here change without notice.
 * Must not depend on any runtime, engine or I/O beyond what it is handed.
 */
package dev.baton.lang.internal;
