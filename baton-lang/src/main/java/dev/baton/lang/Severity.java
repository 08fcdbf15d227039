package dev.baton.lang;

/** How serious a diagnostic is. Only errors make {@code baton check} fail. */
public enum Severity {
    ERROR("error"),
    WARNING("warning"),
    NOTE("note");

    private final String label;

    Severity(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
