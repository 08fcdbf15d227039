package dev.baton.runtime;

import java.io.IOException;

/**
 * An engine runs a compiled plan and reports. The embedded engine is the default; a
 * distributed engine (Temporal + Redis + Kafka) implements the same interface, and the
 * conformance suite compares their reports.
 */
public interface Engine {
    RunReport run() throws IOException;
}
