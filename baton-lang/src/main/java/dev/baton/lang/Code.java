package dev.baton.lang;

/**
 * Stable diagnostic codes. A code never changes meaning once released; new checks get new
 * codes. {@code B01xx}: reading the text; {@code B02xx}: names; {@code B03xx}: meaning and
 * types; {@code B04xx}: warnings about risky but legal programs.
 */
public enum Code {
    // --- B01xx: lexical and syntax -------------------------------------------------------
    UNEXPECTED_CHARACTER("B0101", Severity.ERROR, "unexpected character"),
    UNTERMINATED_STRING("B0102", Severity.ERROR, "unterminated string"),
    BAD_NUMBER("B0103", Severity.ERROR, "malformed number or duration"),
    BAD_ESCAPE("B0104", Severity.ERROR, "invalid escape in string"),
    INVALID_ENCODING("B0105", Severity.ERROR, "file is not valid UTF-8 text"),
    SYNTAX("B0110", Severity.ERROR, "syntax error"),
    TOO_DEEP("B0111", Severity.ERROR, "nesting too deep"),
    TOO_MANY_ERRORS("B0112", Severity.NOTE, "too many diagnostics"),
    NO_EFFECT("B0113", Severity.ERROR, "expression statement has no effect"),
    BAD_TARGET("B0114", Severity.ERROR, "invalid assignment target"),

    // --- B02xx: names ---------------------------------------------------------------------
    UNKNOWN_NAME("B0201", Severity.ERROR, "unknown name"),
    UNKNOWN_MODULE("B0202", Severity.ERROR, "unknown module"),
    UNKNOWN_ENDPOINT("B0203", Severity.ERROR, "unknown endpoint"),
    UNKNOWN_WORKFLOW("B0204", Severity.ERROR, "unknown workflow"),
    UNKNOWN_FIELD("B0205", Severity.ERROR, "unknown field"),
    UNKNOWN_EVENT("B0206", Severity.ERROR, "unknown event"),
    UNKNOWN_TYPE("B0207", Severity.ERROR, "unknown type"),
    UNKNOWN_FUNCTION("B0208", Severity.ERROR, "unknown function"),
    DUPLICATE("B0209", Severity.ERROR, "duplicate definition"),
    UNKNOWN_OPTION("B0210", Severity.ERROR, "unknown option"),
    UNKNOWN_AI("B0211", Severity.ERROR, "unknown AI decision provider"),
    UNKNOWN_ARGUMENT("B0212", Severity.ERROR, "unknown argument"),
    MISSING_ARGUMENT("B0213", Severity.ERROR, "missing argument"),

    // --- B03xx: meaning and types -------------------------------------------------------
    ARITY("B0301", Severity.ERROR, "wrong number of arguments"),
    TYPE_MISMATCH("B0302", Severity.ERROR, "type mismatch"),
    WRITE_IN_QUERY("B0303", Severity.ERROR, "state change inside a /return query"),
    FOREIGN_STATE("B0304", Severity.ERROR, "access to another module's private state"),
    UNREACHABLE("B0305", Severity.ERROR, "unreachable code"),
    NO_PAYLOAD("B0306", Severity.ERROR, "no payload here"),
    NOT_ALLOWED_HERE("B0307", Severity.ERROR, "statement not allowed here"),
    BAD_OPTION("B0308", Severity.ERROR, "invalid option value"),
    TICK_TOO_SHORT("B0309", Severity.ERROR, "tick shorter than the engine's resolution"),
    OUT_OF_BOUNDS("B0310", Severity.ERROR, "value outside declared bounds"),
    BAD_VERSION("B0311", Severity.ERROR, "invalid version or migration"),
    READ_ONLY("B0312", Severity.ERROR, "assignment to a read-only name"),

    // --- B04xx: warnings ----------------------------------------------------------------
    NO_COMPENSATION("B0401", Severity.WARNING, "saga step with a side effect and no compensation"),
    UNBOUNDED_LOOP("B0402", Severity.WARNING, "loop without a bound"),
    UNBOUNDED_RECURSION("B0403", Severity.WARNING, "recursion without a depth budget"),
    LIKELY_TYPO("B0404", Severity.WARNING, "implicit declaration looks like a typo"),
    UNORDERED_LOCKS("B0405", Severity.WARNING, "nested locks can deadlock"),
    CALL_CYCLE("B0406", Severity.WARNING, "calls between handlers can come back to a busy module");

    private final String id;
    private final Severity severity;
    private final String title;

    Code(String id, Severity severity, String title) {
        this.id = id;
        this.severity = severity;
        this.title = title;
    }

    public String id() {
        return id;
    }

    public Severity severity() {
        return severity;
    }

    public String title() {
        return title;
    }
}
