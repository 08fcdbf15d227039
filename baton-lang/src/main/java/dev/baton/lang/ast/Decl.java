package dev.baton.lang.ast;

import dev.baton.lang.Span;

import java.util.List;

/** Top-level declarations. */
public sealed interface Decl extends Node {

    /** {@code version 2}: the program's version, used by migrations. */
    record Version(long version, Span span) implements Decl {
    }

    /** {@code Shape BossState { hp: Int [0..] … }}: a named record type. */
    record Shape(Name name, List<FieldDecl> fields, Span span) implements Decl {
        public Shape {
            fields = List.copyOf(fields);
        }
    }

    /** {@code Event Player.AttackBoss { player: String, damage_amount: Int }}: an event and its payload. */
    record Event(QualifiedName name, List<FieldDecl> fields, Span span) implements Decl {
        public Event {
            fields = List.copyOf(fields);
        }
    }

    /**
     * {@code $name [: Type] = value}: global state at top level, private state inside a module.
     */
    record State(Name name, TypeRef type, Expr init, Span span) implements Decl, Member {
    }

    /** {@code Constraint name: condition}: must hold after every change to the state it reads. */
    record Constraint(Name name, Expr condition, Span span) implements Decl, Member {
    }

    /** {@code Module Name [instances: 50] { members }}. */
    record Module(Name name, Options options, List<Member> members, Span span) implements Decl {
        public Module {
            members = List.copyOf(members);
        }
    }

    /** {@code Workflow Name(params) [-> Type] [options] { body }}: a durable process. */
    record Workflow(Name name, List<Param> params, TypeRef returns, Options options, Block body, Span span)
            implements Decl {
        public Workflow {
            params = List.copyOf(params);
        }
    }

    /** {@code AI Director [provider: "policy", instructions: "…"]}: a decision provider that {@code Ask} uses. */
    record Ai(Name name, Options options, Span span) implements Decl {
    }

    /** {@code Migration from 1 { Module M { … } Workflow W { … } }}: moves running instances to this version. */
    record Migration(long from, List<MigrationItem> items, Span span) implements Decl {
        public Migration {
            items = List.copyOf(items);
        }
    }

    /** One target of a migration: statements run against an old instance's state/locals. */
    record MigrationItem(boolean workflow, Name target, Block body, Span span) implements Node {
    }

    /**
     * {@code Load Name [population: 1000, rate: 5000, …] { Emit … }}: a synthetic load generator
     * that drives a program in {@code baton run}.
     */
    record Load(Name name, Options options, Block body, Span span) implements Decl {
    }

    /**
     * {@code Fault Name [at: 2s, module: M, key: 3, down: 6s]}: a breaking point the scenario
     * declares — an instance goes down at a moment and comes back later. {@code baton run}
     * applies it; the simulator adds its own random faults on top.
     */
    record Fault(Name name, Options options, Span span) implements Decl {
    }

    /**
     * {@code Report { trades: { started: $stats.started }, invariants: { conserved: … } }}:
     * figures and invariants evaluated against the final state and added to the run's report.
     */
    record Report(Expr.MapLit body, Span span) implements Decl {
    }

    /** {@code Param players: Int = 100_000}: a read-only {@code $players}, overridable with {@code baton run --players N}. */
    record Parameter(Name name, TypeRef type, Expr value, Span span) implements Decl {
    }
}
