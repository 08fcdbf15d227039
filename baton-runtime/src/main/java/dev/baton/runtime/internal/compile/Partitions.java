package dev.baton.runtime.internal.compile;

import dev.baton.lang.CheckResult;
import dev.baton.lang.Span;
import dev.baton.lang.ast.Decl;
import dev.baton.lang.ast.Expr;
import dev.baton.lang.ast.Member;
import dev.baton.lang.ast.Node;
import dev.baton.lang.ast.Program;
import dev.baton.lang.ast.Stmt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Whether a run can be spread over partitions — each a core of its own, in a workflow of its
 * own — sharing its hot modules on the state store, and which modules it splits. A module with
 * many instances is <em>split</em> (each partition keeps the instances whose place is its index
 * modulo the partitions) when its instances talk to nothing but themselves and the hot modules:
 * nothing else calls it, the events it handles come only from loads and from outside (every
 * partition gets those), and its code neither emits, starts or cancels workflows, writes
 * globals, reads globals something else writes (other than the hot modules' own, which it sees
 * as their last answer to it), another module's state, nor an engine counter. Every other module
 * lives in the first partition. A workflow a hot module starts runs in the partition whose call
 * started it, so it (and what it starts or runs) must be as independent: it calls only hot
 * modules, emits only events no module handles, awaits nothing and uses no global but
 * parameters and the hot modules' own.
 */
public final class Partitions {
    private Partitions() {
    }

    /** The modules a spread run splits, in declaration order; {@code why} (with where) when it cannot be spread. */
    public record Plan(List<String> split, String why, Span where) {
        public boolean possible() {
            return why == null;
        }
    }

    public static Plan of(CheckResult checked, Predicate<String> single, Set<String> hot) {
        Program program = checked.program();
        Set<String> params = HotModules.params(program);
        Map<String, Set<String>> moduleState = HotModules.moduleState(checked);
        Map<String, Map<String, Span>> writers = HotModules.writers(program, moduleState);
        Set<String> hotOwned = new java.util.HashSet<>();
        writers.forEach((g, by) -> {
            for (String w : by.keySet()) if (hot.contains(w)) hotOwned.add(g);
        });
        // who emits each event outside loads, and which modules handle it
        Map<String, String> emitters = new LinkedHashMap<>();
        Map<String, String> handlers = new LinkedHashMap<>();
        Map<String, Decl.Workflow> workflows = new LinkedHashMap<>();
        for (Decl d : program.decls()) {
            if (d instanceof Decl.Module m) {
                emits(m.members(), m.name().text(), emitters);
                for (Member mem : m.members()) if (mem instanceof Member.On on) handlers.putIfAbsent(on.event().text(), m.name().text());
            } else if (d instanceof Decl.Workflow w) {
                emits(w.body(), "workflow " + w.name().text(), emitters);
                workflows.put(w.name().text(), w);
            }
        }
        // who calls each module — the first caller in program order other than itself — from one walk of each
        Map<String, String> firstCaller = new java.util.HashMap<>();
        for (Decl o : program.decls()) {
            java.util.Set<String> callees = new java.util.HashSet<>();
            String label;
            if (o instanceof Decl.Module caller) {
                HotModules.callees(caller.members(), callees);
                label = caller.name().text();
            } else if (o instanceof Decl.Workflow w) {
                HotModules.callees(w.body(), callees);
                label = "workflow " + w.name().text();
            } else {
                continue;
            }
            for (String callee : callees) if (!callee.equals(label)) firstCaller.putIfAbsent(callee, label);
        }
        List<String> split = new ArrayList<>();
        String firstWhy = null;
        Span firstWhere = null;
        for (Decl d : program.decls()) {
            if (!(d instanceof Decl.Module m) || single.test(m.name().text()) || hot.contains(m.name().text())) continue;
            String name = m.name().text();
            String why = null;
            Span where = m.span();
            if (firstCaller.containsKey(name)) why = firstCaller.get(name) + " calls it";
            if (why == null) {
                for (Member mem : m.members()) {
                    if (mem instanceof Member.On on && emitters.containsKey(on.event().text())) {
                        why = "it handles " + on.event().text() + ", which " + emitters.get(on.event().text()) + " emits";
                        where = on.span();
                        break;
                    }
                }
            }
            if (why == null) {
                Found f = first(m.members(), moduleState.get(name), params, hot, hotOwned, writers, handlers, false);
                if (f != null) {
                    why = f.why;
                    where = f.where;
                }
            }
            if (why == null) split.add(name);
            else if (firstWhy == null) {
                firstWhy = name + " cannot be split: " + why;
                firstWhere = where;
            }
        }
        if (split.isEmpty()) {
            return new Plan(List.of(), firstWhy != null ? firstWhy : "no module has more than one instance", firstWhere);
        }
        if (hot.isEmpty()) return new Plan(List.of(), "no module lives on the state store for the partitions to share", null);
        // the workflows hot modules start run in the partition that called: they must not need the first one
        for (Decl d : program.decls()) {
            if (!(d instanceof Decl.Module m) || !hot.contains(m.name().text())) continue;
            List<Stmt.Start> starts = new ArrayList<>();
            starts(m.members(), starts);
            for (Stmt.Start s : starts) {
                Found f = workflow(s.workflow().text(), workflows, params, hot, hotOwned, writers, handlers, new java.util.HashSet<>());
                if (f != null) {
                    return new Plan(List.of(), m.name().text() + " starts " + s.workflow().text() + ", which " + f.why.replaceFirst("^it ", ""), f.where);
                }
            }
        }
        return new Plan(List.copyOf(split), null, null);
    }

    private record Found(String why, Span where) {
    }

    private static Found workflow(String name, Map<String, Decl.Workflow> workflows, Set<String> params, Set<String> hot, Set<String> hotOwned,
                                  Map<String, Map<String, Span>> writers, Map<String, String> handlers, Set<String> seen) {
        Decl.Workflow w = workflows.get(name);
        if (w == null || !seen.add(name)) return null;
        Found f = first(w.body(), Set.of(), params, hot, hotOwned, writers, handlers, true);
        if (f != null) return f;
        List<Stmt.Start> starts = new ArrayList<>();
        starts(w.body(), starts);
        for (Stmt.Start s : starts) {
            Found g = workflow(s.workflow().text(), workflows, params, hot, hotOwned, writers, handlers, seen);
            if (g != null) return new Found("it starts " + s.workflow().text() + ", which " + g.why.replaceFirst("^it ", ""), g.where);
        }
        return null;
    }

    /** The first thing in {@code node} that needs the first partition; {@code workflow}: a workflow's body (Emit of unhandled events allowed). */
    private static Found first(Object node, Set<String> state, Set<String> params, Set<String> hot, Set<String> hotOwned,
                               Map<String, Map<String, Span>> writers, Map<String, String> handlers, boolean workflow) {
        if (node == null) return null;
        if (node instanceof List<?> list) {
            for (Object o : list) {
                Found f = first(o, state, params, hot, hotOwned, writers, handlers, workflow);
                if (f != null) return f;
            }
            return null;
        }
        String why = null;
        if (node instanceof Stmt.Call c && !hot.contains(c.module().text())) {
            why = "it calls " + c.module().text() + "." + c.endpoint().text() + ", which is not on the state store";
        } else if (node instanceof Stmt.Emit e && (!workflow || handlers.containsKey(e.event().text()))) {
            why = workflow ? "it emits " + e.event().text() + ", which " + handlers.get(e.event().text()) + " handles" : "it emits " + e.event().text();
        } else if (node instanceof Stmt.Start s && !workflow) {
            why = "it starts " + s.workflow().text();
        } else if (node instanceof Stmt.Await a) {
            why = "it awaits " + a.event().text();
        } else if (node instanceof Stmt.Cancel) {
            why = "it cancels a workflow";
        } else if (node instanceof Stmt.JoinShared) {
            why = "it joins a fork another workflow shares";
        } else if (node instanceof Stmt.Fork fk && fk.options().get("share").isPresent()) {
            why = "it shares a fork with other workflows";
        } else if (node instanceof Stmt.Lock) {
            why = "it takes a Lock";
        } else if (node instanceof Expr.ForeignVar f) {
            why = "it reads " + f.module().text() + ".$" + f.var().text();
        } else if (node instanceof Expr.Call c && c.callee() instanceof Expr.Ident id && id.name().equals("stat")) {
            why = "it reads an engine counter (stat)";
        } else if (node instanceof Stmt.Assign a && Ast.root(a.target()) instanceof Expr.Var v && !state.contains(v.name())) {
            why = "it writes $" + v.name();
        } else if (node instanceof Expr.Var v && !state.contains(v.name()) && !params.contains(v.name()) && !hotOwned.contains(v.name())
                && writers.containsKey(v.name())) {
            why = "it reads $" + v.name() + ", which " + writers.get(v.name()).keySet().iterator().next() + " writes";
        }
        if (why != null) return new Found(why, ((Node) node).span());
        if (!(node instanceof Record r)) return null;
        Expr binding = Ast.binding(r);
        if (binding != null && Ast.root(binding) instanceof Expr.Var v && !state.contains(v.name())) {
            return new Found("it writes $" + v.name(), binding.span());
        }
        for (Object part : Ast.parts(r)) {
            Found f = first(part, state, params, hot, hotOwned, writers, handlers, workflow);
            if (f != null) return f;
        }
        return null;
    }

    private static void emits(Object node, String who, Map<String, String> emitters) {
        if (node instanceof List<?> list) {
            for (Object o : list) emits(o, who, emitters);
            return;
        }
        if (node instanceof Stmt.Emit e) emitters.putIfAbsent(e.event().text(), who);
        if (node instanceof Record r) for (Object part : Ast.parts(r)) emits(part, who, emitters);
    }

    private static void starts(Object node, List<Stmt.Start> out) {
        if (node instanceof List<?> list) {
            for (Object o : list) starts(o, out);
            return;
        }
        if (node instanceof Stmt.Start s) out.add(s);
        if (node instanceof Record r) for (Object part : Ast.parts(r)) starts(part, out);
    }
}
