package dev.baton.lang.ast;

import dev.baton.lang.Span;

import java.util.List;
import java.util.Optional;

/**
 * The bracketed options that many constructs take: {@code Tick [100ms, missed: coalesce]},
 * {@code Call … [timeout: 2s, retry: 3]}. The first entry may be positional (no key).
 * {@link #EMPTY} stands for "no brackets written".
 */
public record Options(List<Option> entries, Span span) implements Node {
    public static final Options EMPTY = new Options(List.of(), Span.NONE);

    public Options {
        entries = List.copyOf(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public Optional<Expr> get(String key) {
        for (Option o : entries) {
            if (o.key() != null && o.key().text().equals(key)) return Optional.of(o.value());
        }
        return Optional.empty();
    }

    public Optional<Expr> positional() {
        return entries.isEmpty() || entries.get(0).key() != null ? Optional.empty() : Optional.of(entries.get(0).value());
    }

    /** One option; {@code key} is null for the positional entry. */
    public record Option(Name key, Expr value, Span span) implements Node {
    }
}
