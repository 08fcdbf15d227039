package dev.baton.runtime.value;

/** The value {@code none}. A singleton, so it can live inside persistent maps and lists. */
public enum None {
    NONE;

    @Override
    public String toString() {
        return "none";
    }
}
