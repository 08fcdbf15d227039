package dev.baton.temporal;

/**
 * Where the Temporal engine keeps payloads too large for a workflow history (the run's
 * snapshot, carried from one run of the chain to the next): immutable blobs named by the
 * SHA-256 of their content. Every worker and client of a run must reach the same store.
 */
public interface BlobStore {
    /** Stores {@code bytes} under {@code id} (writing the same id again is harmless). */
    void put(String id, byte[] bytes);

    /** The blob stored under {@code id}, or null when there is none (never stored, or expired). */
    byte[] get(String id);

    /** Where the blobs live, for messages (e.g. {@code redis://127.0.0.1:6379}). */
    String where();
}
