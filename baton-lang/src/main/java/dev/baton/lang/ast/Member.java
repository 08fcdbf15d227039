package dev.baton.lang.ast;

import dev.baton.lang.Span;

import java.util.List;

/** Members of a {@code Module}. {@link Decl.State} and {@link Decl.Constraint} are members too. */
public sealed interface Member extends Node permits Decl.State, Decl.Constraint, Member.On, Member.Tick, Member.Endpoint {

    /** {@code ON (Source.Event) [options] { body }}. */
    record On(QualifiedName event, Options options, Block body, Span span) implements Member {
    }

    /** {@code Tick [100ms, missed: coalesce] { body }}. */
    record Tick(Options options, Block body, Span span) implements Member {
    }

    /**
     * {@code Name[(params)] /execute [-> Type] { body }} or {@code /return}. {@code params}
     * is null when none were declared (the endpoint then accepts any arguments).
     */
    record Endpoint(Name name, List<Param> params, Kind kind, TypeRef returns, Block body, Span span) implements Member {
        public Endpoint {
            params = params == null ? null : List.copyOf(params);
        }

        public enum Kind {
            EXECUTE("execute"), RETURN("return");

            private final String word;

            Kind(String word) {
                this.word = word;
            }

            public String word() {
                return word;
            }
        }
    }
}
