package dev.baton.runtime.internal.compile;

import dev.baton.lang.CheckResult;
import dev.baton.lang.Span;
import dev.baton.lang.ast.Decl;
import dev.baton.lang.ast.Expr;
import dev.baton.lang.ast.Member;
import dev.baton.lang.ast.Node;
import dev.baton.lang.ast.Program;
import dev.baton.lang.ast.Stmt;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which modules can live on the state store (<em>hot modules</em>): a module that only answers
 * calls, whose answers depend on nothing but its own record and the call, can run its endpoints
 * against the store instead of inside a run — each call a transaction on the module's record —
 * and reach exactly the state and replies it reaches inside the run. The world boss's authority
 * is the example: every shard calls it, it owns the boss's HP.
 *
 * <p>A module is storable when it has one instance, neither handles events nor ticks (it only
 * answers calls), and its endpoints neither {@code Call}, {@code Emit}, {@code Await},
 * {@code Sleep}, take a {@code Lock}, run a {@code Saga}, {@code Fork}, {@code Run} or
 * {@code Cancel} workflows, {@code Ask} or {@code Evaluate} a decision, draw random numbers or ids,
 * read an engine counter or another module's state; a workflow they {@code Start} is named
 * ({@code [id: …]}), so starting it twice is starting it once. The globals it writes are its own:
 * nothing else writes them (others may read them; they see the module's last answer), and the
 * globals it reads are its own, parameters, or never written.
 */
public final class HotModules {
    private HotModules() {
    }

    /**
     * Why a module cannot live on the store ({@code why} null when it can), where, the globals it
     * owns, and the modules whose code calls it.
     */
    public record Verdict(String why, Span where, Set<String> owns, Set<String> callers) {
        public Verdict(String why, Span where, Set<String> owns) {
            this(why, where, owns, Set.of());
        }

        public boolean storable() {
            return why == null;
        }

        /**
         * Storable and called by a module with many instances (given {@code single}): a hot spot an
         * engine that spreads a run puts on the store by default, as the world boss's authority.
         */
        public boolean hot(java.util.function.Predicate<String> single) {
            return storable() && callers.stream().anyMatch(c -> !single.test(c));
        }
    }

    /**
     * Every module of a checked program, in declaration order, with its verdict; {@code single}
     * tells whether a module has exactly one instance (known once parameters are set).
     */
    public static Map<String, Verdict> of(CheckResult checked, java.util.function.Predicate<String> single) {
        Program program = checked.program();
        Set<String> params = params(program);
        Map<String, Set<String>> moduleState = moduleState(checked);
        Map<String, Map<String, Span>> writers = writers(program, moduleState);
        Set<String> migrated = new HashSet<>();
        for (Decl d : program.decls()) {
            if (d instanceof Decl.Migration mg) for (Decl.MigrationItem i : mg.items()) if (!i.workflow()) migrated.add(i.target().text());
        }
        // who calls whom, in one walk of each module (not one walk of every module per module)
        Map<String, Set<String>> callersOf = new java.util.HashMap<>();
        for (Decl o : program.decls()) {
            if (!(o instanceof Decl.Module caller)) continue;
            Set<String> callees = new HashSet<>();
            callees(caller.members(), callees);
            for (String callee : callees) callersOf.computeIfAbsent(callee, k -> new TreeSet<>()).add(caller.name().text());
        }
        Map<String, Verdict> out = new LinkedHashMap<>();
        for (Decl d : program.decls()) {
            if (!(d instanceof Decl.Module m)) continue;
            String name = m.name().text();
            Set<String> owns = new TreeSet<>();
            writers.forEach((global, by) -> {
                if (by.containsKey(name)) owns.add(global);
            });
            Verdict v = verdict(m, single.test(name), migrated.contains(name), moduleState.get(name), owns, params, writers);
            out.put(name, new Verdict(v.why(), v.where(), v.owns(), callersOf.getOrDefault(name, Set.of())));
        }
        return out;
    }

    private static Verdict verdict(Decl.Module m, boolean single, boolean migrated, Set<String> state, Set<String> owns,
                                   Set<String> params, Map<String, Map<String, Span>> writers) {
        String name = m.name().text();
        if (!single) return new Verdict("it has more than one instance", m.span(), owns);
        if (migrated) return new Verdict("a Migration moves its instances", m.span(), owns);
        for (String g : owns) {
            for (Map.Entry<String, Span> w : writers.get(g).entrySet()) {
                if (!w.getKey().equals(name)) return new Verdict("it writes $" + g + ", which " + w.getKey() + " writes too", w.getValue(), owns);
            }
        }
        for (Member mem : m.members()) {
            if (mem instanceof Member.On on) return new Verdict("it handles events (ON " + on.event().text() + ")", on.span(), owns);
            if (mem instanceof Member.Tick t) return new Verdict("it has a Tick", t.span(), owns);
        }
        for (Member mem : m.members()) {
            if (!(mem instanceof Member.Endpoint e)) continue;
            Verdict v = first(e.body(), state, owns, params, writers);
            if (v != null) return v;
            v = first(e.params(), state, owns, params, writers);
            if (v != null) return v;
        }
        return new Verdict(null, null, owns);
    }

    static Set<String> params(Program program) {
        Set<String> params = new HashSet<>();
        for (Decl d : program.decls()) if (d instanceof Decl.Parameter p) params.add(p.name().text());
        return params;
    }

    /** Each module's state variables, declared and implicit. */
    static Map<String, Set<String>> moduleState(CheckResult checked) {
        Map<String, Set<String>> moduleState = new LinkedHashMap<>();
        for (Decl d : checked.program().decls()) {
            if (!(d instanceof Decl.Module m)) continue;
            Set<String> names = new HashSet<>(checked.symbols().moduleState().getOrDefault(m.name().text(), Map.of()).keySet());
            for (Member mem : m.members()) if (mem instanceof Decl.State s) names.add(s.name().text());
            moduleState.put(m.name().text(), names);
        }
        return moduleState;
    }

    /** Who writes each global, in program order: module name, "workflow W", "Load L", "a Migration" (with where, first). */
    static Map<String, Map<String, Span>> writers(Program program, Map<String, Set<String>> moduleState) {
        Map<String, Map<String, Span>> writers = new LinkedHashMap<>();
        for (Decl d : program.decls()) {
            if (d instanceof Decl.Module m) {
                for (Member mem : m.members()) writes(mem, moduleState.get(m.name().text()), m.name().text(), writers);
            } else if (d instanceof Decl.Workflow w) {
                writes(w.body(), Set.of(), "workflow " + w.name().text(), writers);
            } else if (d instanceof Decl.Load l) {
                writes(l.body(), Set.of(), "Load " + l.name().text(), writers);
            } else if (d instanceof Decl.Migration mg) {
                writes(mg.items(), Set.of(), "a Migration", writers);
            }
        }
        return writers;
    }

    private static final Set<String> UNSTORABLE_FUNCTIONS = Set.of("random", "random_int", "uuid", "stat");

    /** The first thing in an endpoint that ties it to a run, or null. */
    private static Verdict first(Object node, Set<String> state, Set<String> owns, Set<String> params,
                                 Map<String, Map<String, Span>> writers) {
        if (node == null) return null;
        if (node instanceof List<?> list) {
            for (Object o : list) {
                Verdict v = first(o, state, owns, params, writers);
                if (v != null) return v;
            }
            return null;
        }
        String why = Ast.effect(node);
        if (why == null) why = tie(node, state, owns, params, writers);
        if (why != null) return new Verdict(why, ((Node) node).span(), owns);
        if (!(node instanceof Record r)) return null;
        for (Object part : Ast.parts(r)) {
            Verdict v = first(part, state, owns, params, writers);
            if (v != null) return v;
        }
        return null;
    }

    /** Why {@code node} itself (beyond the statements every analysis refuses) keeps an endpoint from the store, or null. */
    private static String tie(Object node, Set<String> state, Set<String> owns, Set<String> params, Map<String, Map<String, Span>> writers) {
        if (node instanceof Stmt.Sleep) return "it sleeps";
        if (node instanceof Stmt.Fork) return "it forks";
        if (node instanceof Stmt.Ask a) return "it asks " + a.provider().text();
        if (node instanceof Stmt.Evaluate) return "it evaluates a decision";
        if (node instanceof Stmt.Start s && s.child()) return "it runs " + s.workflow().text();
        if (node instanceof Stmt.Start s && s.options().get("id").isEmpty()) return "it starts " + s.workflow().text() + " without an [id: …]";
        if (node instanceof Expr.ForeignVar f) return "it reads " + f.module().text() + ".$" + f.var().text();
        if (node instanceof Expr.Call c && c.callee() instanceof Expr.Ident id && UNSTORABLE_FUNCTIONS.contains(id.name())) return "it uses " + id.name() + "()";
        if (node instanceof Expr.Var v && !state.contains(v.name()) && !params.contains(v.name()) && !owns.contains(v.name())
                && writers.containsKey(v.name())) {
            return "it reads $" + v.name() + ", which " + writers.get(v.name()).keySet().iterator().next() + " writes";
        }
        return null;
    }

    /** Adds the modules whose endpoints {@code node} calls to {@code into}. */
    static void callees(Object node, Set<String> into) {
        if (node instanceof List<?> list) {
            for (Object o : list) callees(o, into);
            return;
        }
        if (node instanceof Stmt.Call c) into.add(c.module().text());
        if (!(node instanceof Record r)) return;
        for (Object part : Ast.parts(r)) callees(part, into);
    }

    /** Collects the globals {@code node} writes (assignments, {@code cas}, bindings), outside {@code state}, for {@code owner}. */
    private static void writes(Object node, Set<String> state, String owner, Map<String, Map<String, Span>> writers) {
        if (node == null) return;
        if (node instanceof List<?> list) {
            for (Object o : list) writes(o, state, owner, writers);
            return;
        }
        if (!(node instanceof Record r)) return;
        Expr target = null;
        if (node instanceof Stmt.Assign a) target = a.target();
        else if (node instanceof Expr.Call c && c.callee() instanceof Expr.Ident id && id.name().equals("cas") && !c.args().isEmpty()) target = c.args().get(0);
        if (target != null) wrote(target, state, owner, writers);
        Expr binding = Ast.binding(r);
        if (binding != null) wrote(binding, state, owner, writers);
        for (Object part : Ast.parts(r)) writes(part, state, owner, writers);
    }

    private static void wrote(Expr target, Set<String> state, String owner, Map<String, Map<String, Span>> writers) {
        if (Ast.root(target) instanceof Expr.Var v && !state.contains(v.name())) {
            writers.computeIfAbsent(v.name(), k -> new LinkedHashMap<>()).putIfAbsent(owner, target.span());
        }
    }

}
