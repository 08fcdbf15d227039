package dev.baton.runtime.internal.compile;

import dev.baton.lang.CheckResult;
import dev.baton.lang.SourceFile;
import dev.baton.lang.Span;
import dev.baton.lang.Symbols;
import dev.baton.lang.ast.Block;
import dev.baton.lang.ast.Decl;
import dev.baton.lang.ast.Expr;
import dev.baton.lang.ast.FieldDecl;
import dev.baton.lang.ast.Member;
import dev.baton.lang.ast.Options;
import dev.baton.lang.ast.Param;
import dev.baton.lang.ast.Stmt;
import dev.baton.lang.ast.TypeRef;
import dev.baton.lang.types.Type;
import dev.baton.runtime.plan.Body;
import dev.baton.runtime.plan.Ev;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Instr;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.SmallMap;
import dev.baton.runtime.value.StateMap;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Compiles a checked program into a {@link Plan}: expressions become closures with every
 * name resolved to a slot, statements become flat instruction arrays (loops and branches are
 * jumps), so that a fiber is only (body, pc, locals).
 *
 * <p>The program must have checked without errors; constructs that this engine does not run
 * yet are reported by {@link PlanException} with their positions.
 */
public final class Compiler {
    /** Problems that stop a checked program from being planned (constructs not supported yet). */
    public static final class PlanException extends Exception {
        public final List<String> problems;

        PlanException(List<String> problems) {
            super(String.join("\n", problems), null, false, false);
            this.problems = List.copyOf(problems);
        }
    }

    private final SourceFile file;
    private final Symbols symbols;
    private final List<String> problems = new ArrayList<>();
    private final List<Body> bodies = new ArrayList<>();
    private final Map<String, Integer> moduleIndex = new HashMap<>();
    private final Map<String, Integer> workflowIndex = new HashMap<>();
    private final Map<String, Integer> eventIndex = new LinkedHashMap<>();
    private final List<Plan.EventPlan> events = new ArrayList<>();
    private final Map<String, ModuleScope> moduleScopes = new HashMap<>();

    /** Parameter values: defaults, overridden by the caller. */
    private final Map<String, Object> params = new LinkedHashMap<>();
    /** Names of the self-contained workflows (see {@link Detachable}). */
    private java.util.Set<String> detachable = java.util.Set.of();

    private Compiler(SourceFile file, Symbols symbols) {
        this.file = file;
        this.symbols = symbols;
    }

    public static Plan compile(CheckResult checked) throws PlanException {
        return compile(checked, Map.of());
    }

    /**
     * Compiles with parameter overrides ({@code --players 1000}): values are text as given on
     * a command line, converted to the parameter's type; an unknown name or a bad value is a
     * {@link PlanException}.
     */
    public static Plan compile(CheckResult checked, Map<String, String> overrides) throws PlanException {
        if (checked.hasErrors()) throw new IllegalArgumentException("compile() needs a program that checked without errors");
        Compiler c = new Compiler(checked.file(), checked.symbols());
        c.resolveParams(checked, overrides);
        return c.program(checked);
    }

    /**
     * Compiles with parameters already resolved (an earlier version of a program, compiled again
     * with the values the run has): each declared parameter takes its value from {@code values}
     * when it is there.
     */
    public static Plan compileWithValues(CheckResult checked, Map<String, Object> values) throws PlanException {
        if (checked.hasErrors()) throw new IllegalArgumentException("compile() needs a program that checked without errors");
        Compiler c = new Compiler(checked.file(), checked.symbols());
        c.resolveParams(checked, Map.of());
        for (String name : new ArrayList<>(c.params.keySet())) if (values.containsKey(name)) c.params.put(name, values.get(name));
        return c.program(checked);
    }

    private void resolveParams(CheckResult checked, Map<String, String> overrides) throws PlanException {
        for (Decl d : checked.program().decls()) {
            if (d instanceof Decl.Parameter p) params.put(p.name().text(), constant(p.value()));
        }
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            Object dflt = params.get(o.getKey());
            if (dflt == null) {
                bad.add("unknown parameter --" + o.getKey() + (params.isEmpty() ? "; this program declares none"
                        : "; its parameters are " + String.join(", ", params.keySet().stream().map(k -> "--" + k).toList())));
                continue;
            }
            try {
                params.put(o.getKey(), convert(o.getValue(), dflt));
            } catch (IllegalArgumentException e) {
                bad.add("--" + o.getKey() + " " + o.getValue() + ": " + e.getMessage());
            }
        }
        if (!bad.isEmpty()) throw new PlanException(bad);
    }

    private static Object convert(String text, Object like) {
        String t = text.trim();
        try {
            if (like instanceof Long) return Long.parseLong(t.replace("_", ""));
            if (like instanceof Double) return Double.parseDouble(t.replace("_", ""));
            if (like instanceof Boolean) {
                if (!t.equals("true") && !t.equals("false")) throw new IllegalArgumentException("expected true or false");
                return Boolean.parseBoolean(t);
            }
            if (like instanceof Duration) return Values.parseDuration(t);
            return t;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected " + (like instanceof Long ? "a whole number" : "a number"));
        }
    }

    /** Module layout shared by every body in the module. */
    static final class ModuleScope {
        final String name;
        final Map<String, Integer> stateSlots = new LinkedHashMap<>();
        final List<Member.Endpoint> endpoints = new ArrayList<>();

        ModuleScope(String name) {
            this.name = name;
        }
    }

    /** Compile-time context of one body. */
    final class Scope {
        final Body body;
        final ModuleScope module;
        final boolean workflow;
        final Deque<Map<String, Integer>> locals = new ArrayDeque<>();
        final List<Instr> code = new ArrayList<>();
        final Deque<Loop> loops = new ArrayDeque<>();

        Scope(Body body, ModuleScope module, boolean workflow) {
            this.body = body;
            this.module = module;
            this.workflow = workflow;
            locals.push(new HashMap<>());
        }

        int newSlot() {
            body.slotNames.add(null);
            return body.locals++;
        }

        /** True for a migration's workflow block: a {@code let} of one of the workflow's locals sets that local. */
        boolean reuseNames;

        int declare(String name) {
            if (reuseNames && locals.peekLast().containsKey(name)) return locals.peekLast().get(name);
            int slot = newSlot();
            locals.peek().put(name, slot);
            body.slotNames.set(slot, name);
            return slot;
        }

        /** Slots some expression or statement looked up by name (a slot never looked up is never read). */
        final java.util.Set<Integer> lookedUp = new java.util.HashSet<>();

        Integer local(String name) {
            for (Map<String, Integer> m : locals) {
                Integer s = m.get(name);
                if (s != null) {
                    lookedUp.add(s);
                    return s;
                }
            }
            return null;
        }

        int emit(Instr i) {
            code.add(i);
            return code.size() - 1;
        }

        int here() {
            return code.size();
        }

        void finish() {
            body.code = code.toArray(new Instr[0]);
        }
    }

    record Loop(int continueTarget, List<Instrs.Jump> breaks) {
    }

    // ================================================================== program

    private Plan program(CheckResult checked) throws PlanException {
        List<Decl> decls = checked.program().decls();
        // events: declared first (in order), then any used but undeclared, discovered while compiling
        for (Decl d : decls) {
            if (d instanceof Decl.Event e) event(e.name().text());
        }
        int mi = 0;
        for (Decl d : decls) {
            if (d instanceof Decl.Module m) {
                moduleIndex.put(m.name().text(), mi++);
                ModuleScope ms = new ModuleScope(m.name().text());
                for (Member mem : m.members()) {
                    if (mem instanceof Decl.State s) ms.stateSlots.put(s.name().text(), ms.stateSlots.size());
                    if (mem instanceof Member.Endpoint e) ms.endpoints.add(e);
                }
                for (String implicit : new TreeSet<>(symbols.moduleState().getOrDefault(m.name().text(), Map.of()).keySet())) {
                    ms.stateSlots.putIfAbsent(implicit, ms.stateSlots.size());
                }
                moduleScopes.put(m.name().text(), ms);
            }
        }
        int wi = 0;
        List<Decl.Workflow> declared = new ArrayList<>();
        for (Decl d : decls) {
            if (d instanceof Decl.Workflow w) {
                workflowIndex.put(w.name().text(), wi++);
                declared.add(w);
            }
        }
        detachable = Detachable.names(declared, params.keySet());
        Map<String, Ev> globals = new LinkedHashMap<>();
        List<Plan.ModulePlan> modules = new ArrayList<>();
        List<Plan.WorkflowPlan> workflows = new ArrayList<>();
        List<Plan.LoadPlan> loads = new ArrayList<>();
        Map<String, Map<String, Object>> ais = new LinkedHashMap<>();
        List<Plan.FaultPlan> faults = new ArrayList<>();
        List<Decl.Fault> faultDecls = new ArrayList<>();
        Ev report = null;
        params.forEach((name, value) -> globals.put(name, f -> value));
        for (Decl d : decls) {
            if (d instanceof Decl.State s) {
                Scope sc = new Scope(newBody("$" + s.name().text()), null, false);
                globals.put(s.name().text(), expr(s.init(), sc));
            } else if (d instanceof Decl.Module m) {
                modules.add(module(m, modules.size()));
            } else if (d instanceof Decl.Workflow w) {
                workflows.add(workflow(w, workflows.size()));
            } else if (d instanceof Decl.Load l) {
                loads.add(load(l, loads.size()));
            } else if (d instanceof Decl.Ai a) {
                Map<String, Object> opts = new LinkedHashMap<>();
                for (Options.Option o : a.options().entries()) {
                    if (o.key() != null) opts.put(o.key().text(), constant(o.value()));
                }
                ais.put(a.name().text(), opts);
            } else if (d instanceof Decl.Fault fault) {
                Options o = fault.options();
                String module = ((Expr.Ident) o.get("module").orElseThrow()).name();
                Object key = o.get("key").map(this::constant).orElse(0L);
                long at = ((Duration) constant(o.get("at").orElseThrow())).toMillis();
                long down = o.get("down").map(this::constant).map(v -> ((Duration) v).toMillis()).orElse(5000L);
                faultDecls.add(fault);
                faults.add(new Plan.FaultPlan(fault.name().text(), at, moduleIndex.get(module), key, down));
            } else if (d instanceof Decl.Report r) {
                Scope sc = new Scope(newBody("Report"), null, false);
                report = expr(r.body(), sc);
            }
        }
        // Migration blocks apply when a data directory written by an older version is resumed (a
        // fresh run has nothing to migrate); compiled last, so no other body's number moves
        Map<Long, Plan.Migration> migrations = new LinkedHashMap<>();
        for (Decl d : decls) {
            if (!(d instanceof Decl.Migration mg)) continue;
            Map<String, Body> bodiesByModule = new LinkedHashMap<>();
            Map<String, Body> wfs = new LinkedHashMap<>();
            for (Decl.MigrationItem item : mg.items()) {
                if (item.workflow()) {
                    Plan.WorkflowPlan wp = workflows.stream().filter(x -> x.name().equals(item.target().text())).findFirst().orElse(null);
                    if (wp == null) continue;
                    Scope sc = new Scope(newBody(wp.name() + ".Migration(" + mg.from() + ")"), null, true);
                    // the workflow's own slots: the block reads and sets its locals, a `let` of one of them included
                    Body own = wp.body();
                    for (int k = 0; k < own.locals; k++) {
                        String name = k < own.slotNames.size() ? own.slotNames.get(k) : null;
                        sc.body.slotNames.add(name);
                        if (name != null && java.util.Collections.frequency(own.slotNames, name) == 1) sc.locals.peek().put(name, k);
                    }
                    sc.body.locals = own.locals;
                    sc.reuseNames = true;
                    block(item.body(), sc);
                    sc.finish();
                    wfs.put(wp.name(), sc.body);
                    continue;
                }
                ModuleScope ms = moduleScopes.get(item.target().text());
                if (ms == null) continue;
                Scope sc = new Scope(newBody(item.target().text() + ".Migration(" + mg.from() + ")"), ms, false);
                block(item.body(), sc);
                sc.finish();
                bodiesByModule.put(item.target().text(), sc.body);
            }
            migrations.put(mg.from(), new Plan.Migration(mg.from(), java.util.Collections.unmodifiableMap(bodiesByModule), java.util.Collections.unmodifiableMap(wfs)));
        }
        boolean modulesSound = problems.isEmpty(); // a module's keys after a problem with its count would only mislead
        for (int i = 0; i < faults.size() && modulesSound; i++) {
            Plan.FaultPlan fp = faults.get(i);
            Plan.ModulePlan target = modules.get(fp.module());
            if (target.keys.stream().noneMatch(k -> Values.equal(k, fp.key()))) {
                Decl.Fault fault = faultDecls.get(i);
                Expr ke = fault.options().get("key").orElse(null);
                problems.add(position(ke != null ? ke.span() : fault.name().span()) + ": Fault " + fp.name() + " takes down " + target.name
                        + "[" + Values.str(fp.key()) + "], which is not an instance of " + target.name + " (its keys: " + keyRange(target.keys) + ")");
            }
        }
        if (!problems.isEmpty()) throw new PlanException(problems);
        Map<String, Integer> instances = new java.util.HashMap<>();
        for (Plan.ModulePlan m : modules) instances.put(m.name, m.keys.size());
        Map<String, java.util.Set<String>> storable = new LinkedHashMap<>();
        List<String> hot = new ArrayList<>();
        java.util.function.Predicate<String> single = name -> instances.get(name) == 1;
        HotModules.of(checked, single).forEach((name, v) -> {
            if (v.storable()) storable.put(name, java.util.Collections.unmodifiableSet(v.owns()));
            if (v.hot(single)) hot.add(name);
        });
        Partitions.Plan spread = Partitions.of(checked, single, java.util.Set.copyOf(hot));
        String unsplittable = spread.possible() ? null
                : spread.where() == null ? spread.why() : file.name() + ":" + file.line(spread.where().start()) + ":" + file.column(spread.where().start()) + ": " + spread.why();
        Plan plan = new Plan(file, symbols.version(), digest(file.text()), List.copyOf(modules), List.copyOf(workflows),
                List.copyOf(events), List.copyOf(loads), globals, List.copyOf(bodies), ais, List.copyOf(faults), report,
                java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params)), java.util.Collections.unmodifiableMap(storable), List.copyOf(hot),
                spread.split(), unsplittable);
        Meaning.Digests meaning = Meaning.of(checked);
        plan.meaning = meaning.whole();
        plan.declarations = meaning.declarations();
        plan.migrations = java.util.Collections.unmodifiableMap(migrations);
        return plan;
    }

    /** A module's keys in a few words: {@code 0..3}, or the first few. */
    private static String keyRange(List<Object> keys) {
        boolean counted = true;
        for (int i = 0; i < keys.size() && counted; i++) counted = keys.get(i) instanceof Long l && l == i;
        if (counted) return keys.size() == 1 ? "0" : "0.." + (keys.size() - 1);
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < Math.min(5, keys.size()); i++) shown.add(Values.show(keys.get(i)));
        return String.join(", ", shown) + (keys.size() > 5 ? ", …" : "");
    }

    private int event(String name) {
        Integer idx = eventIndex.get(name);
        if (idx != null) return idx;
        Type payload = symbols.events().getOrDefault(name, Type.ANY);
        int i = events.size();
        events.add(new Plan.EventPlan(i, name, payload));
        eventIndex.put(name, i);
        return i;
    }

    private Body newBody(String name) {
        Body b = new Body(bodies.size(), name, file);
        bodies.add(b);
        return b;
    }

    private Plan.ModulePlan module(Decl.Module m, int index) {
        ModuleScope ms = moduleScopes.get(m.name().text());
        List<Object> keys = new ArrayList<>();
        Object instances = m.options().get("instances").map(this::constant).orElse(null);
        Object keyList = m.options().get("keys").map(this::constant).orElse(null);
        int max = dev.baton.lang.Baton.MAX_INSTANCES;
        if (keyList instanceof org.pcollections.PVector<?> l) {
            if (l.size() > max) problems.add(position(m.name().span()) + ": module " + m.name().text() + " has " + l.size() + " keys; a module has at most " + max + " instances");
            else keys.addAll(l);
        } else {
            long n = instances instanceof Long x ? x : 1;
            if (n < 1 || n > max) {
                Expr e = m.options().get("instances").orElseThrow();
                problems.add(position(e.span()) + ": module " + m.name().text() + " would have " + n + " instances"
                        + (e instanceof Expr.Var v ? " ($" + v.name() + " = " + n + ")" : "") + "; a module has 1 to "
                        + String.format(java.util.Locale.ROOT, "%,d", max) + " instances");
                n = 1;
            }
            for (long i = 0; i < n; i++) keys.add(i);
        }
        List<String> stateNames = new ArrayList<>(ms.stateSlots.keySet());
        List<Ev> inits = new ArrayList<>();
        for (String s : stateNames) inits.add(f -> None.NONE);
        for (Member mem : m.members()) {
            if (mem instanceof Decl.State s) {
                Scope sc = new Scope(newBody(m.name().text() + ".$" + s.name().text()), ms, false);
                inits.set(ms.stateSlots.get(s.name().text()), expr(s.init(), sc));
            }
        }
        List<Plan.Endpoint> endpoints = new ArrayList<>();
        List<Plan.Tick> ticks = new ArrayList<>();
        Map<Integer, Plan.On> handlers = new LinkedHashMap<>();
        for (Member mem : m.members()) {
            if (mem instanceof Member.Endpoint e) {
                Scope sc = new Scope(newBody(m.name().text() + "." + e.name().text()), ms, false);
                List<String> params = new ArrayList<>();
                List<Ev> defaults = new ArrayList<>();
                Map<String, Type.Field> paramTypes = new LinkedHashMap<>();
                int[] slots = new int[e.params() == null ? 0 : e.params().size()];
                if (e.params() != null) {
                    for (int i = 0; i < e.params().size(); i++) {
                        Param p = e.params().get(i);
                        params.add(p.name().text());
                        slots[i] = sc.declare(p.name().text());
                        defaults.add(p.defaultValue() == null ? null : expr(p.defaultValue(), sc));
                        paramTypes.put(p.name().text(), new Type.Field(p.type() == null ? Type.ANY : resolve(p.type()), p.defaultValue() != null));
                    }
                }
                block(e.body(), sc);
                sc.finish();
                endpoints.add(new Plan.Endpoint(e.name().text(), e.kind() == Member.Endpoint.Kind.RETURN, sc.body, params, slots,
                        java.util.Collections.unmodifiableList(defaults), new Type.Rec(m.name().text() + "." + e.name().text(), paramTypes, false),
                        e.returns() == null ? Type.NONE : resolve(e.returns())));
            } else if (mem instanceof Member.Tick t) {
                Scope sc = new Scope(newBody(m.name().text() + ".Tick"), ms, false);
                block(t.body(), sc);
                sc.finish();
                Expr periodExpr = t.options().positional().orElseThrow();
                Duration period = (Duration) constant(periodExpr);
                if (period.compareTo(dev.baton.lang.Baton.TICK_RESOLUTION) < 0 || period.compareTo(dev.baton.lang.Baton.MAX_DURATION) > 0) {
                    problems.add(position(periodExpr.span()) + ": a Tick of " + Values.duration(period)
                            + (periodExpr instanceof Expr.Var v ? " ($" + v.name() + ")" : "") + " is "
                            + (period.compareTo(dev.baton.lang.Baton.TICK_RESOLUTION) < 0 ? "shorter than the engine's resolution (1ms)" : "longer than 100 years"));
                    period = dev.baton.lang.Baton.TICK_RESOLUTION;
                }
                Plan.Missed missed = t.options().get("missed").map(v -> switch (((Expr.Ident) v).name()) {
                    case "skip" -> Plan.Missed.SKIP;
                    case "catch_up" -> Plan.Missed.CATCH_UP;
                    default -> Plan.Missed.COALESCE;
                }).orElse(Plan.Missed.COALESCE);
                ticks.add(new Plan.Tick(ticks.size(), period, missed, sc.body));
            } else if (mem instanceof Member.On on) {
                int ev = event(on.event().text());
                Scope sc = new Scope(newBody(m.name().text() + ".ON(" + on.event().text() + ")"), ms, false);
                Ev route = on.options().get("route").map(r -> expr(r, sc)).orElse(null);
                block(on.body(), sc);
                sc.finish();
                handlers.put(ev, new Plan.On(sc.body, route));
            }
        }
        return new Plan.ModulePlan(index, m.name().text(), List.copyOf(keys), stateNames, inits, endpoints, ticks, handlers);
    }

    private Plan.WorkflowPlan workflow(Decl.Workflow w, int index) {
        Scope sc = new Scope(newBody(w.name().text()), null, true);
        List<String> params = new ArrayList<>();
        int[] slots = new int[w.params().size()];
        List<Ev> defaults = new ArrayList<>();
        Map<String, Type.Field> paramTypes = new LinkedHashMap<>();
        for (int i = 0; i < w.params().size(); i++) {
            Param p = w.params().get(i);
            params.add(p.name().text());
            paramTypes.put(p.name().text(), new Type.Field(p.type() == null ? Type.ANY : resolve(p.type()), p.defaultValue() != null));
            slots[i] = sc.declare(p.name().text());
            defaults.add(p.defaultValue() == null ? null : expr(p.defaultValue(), sc));
        }
        block(w.body(), sc);
        sc.finish();
        long maxDepth = w.options().get("max_depth").map(this::constant).map(v -> (Long) v).orElse(64L);
        long maxChildren = w.options().get("max_children").map(this::constant).map(v -> (Long) v).orElse(Long.MAX_VALUE);
        return new Plan.WorkflowPlan(index, w.name().text(), sc.body, params, slots, defaults, maxDepth, maxChildren,
                detachable.contains(w.name().text()), new Type.Rec(w.name().text(), paramTypes, false),
                w.returns() == null ? Type.ANY : resolve(w.returns()));
    }

    private Plan.LoadPlan load(Decl.Load l, int index) {
        Scope sc = new Scope(newBody("Load " + l.name().text()), null, false);
        int actor = sc.declare("actor");
        int seq = sc.declare("seq");
        block(l.body(), sc);
        sc.finish();
        long population = longOption(l.options(), "population", l.options().get("actors").map(this::constant).map(v -> (Long) v).orElse(1L));
        double rate = l.options().get("rate").map(this::constant).map(v -> ((Number) v).doubleValue()).orElse(1000.0);
        long total = longOption(l.options(), "total", -1);
        Duration start = l.options().get("start").map(this::constant).map(v -> (Duration) v).orElse(Duration.ZERO);
        Duration duration = l.options().get("duration").map(this::constant).map(v -> (Duration) v).orElse(null);
        Ev until = l.options().get("until").map(u -> expr(u, sc)).orElse(null);
        // a body that never names `actor` or `seq` is not given it (no value made per event for nothing)
        return new Plan.LoadPlan(index, l.name().text(), Math.max(1, population), rate, total, start, duration, sc.body,
                sc.lookedUp.contains(actor) ? actor : -1, sc.lookedUp.contains(seq) ? seq : -1, until);
    }

    private long longOption(Options o, String key, long dflt) {
        return o.get(key).map(this::constant).map(v -> (Long) v).orElse(dflt);
    }

    /** Evaluates a constant expression (options, keys, parameters) at compile time; {@code $param} reads a parameter. */
    private Object constant(Expr e) {
        if (e instanceof Expr.Var v && params.containsKey(v.name())) return params.get(v.name());
        Scope sc = new Scope(new Body(-1, "constant", file), null, false);
        Ev ev = expr(e, sc);
        Fiber f = new Fiber(0, sc.body, Fiber.Owner.LOAD, -1, null);
        f.ctx = new ParamsOnly(params);
        try {
            return ev.eval(f);
        } catch (RuntimeException ex) {
            problems.add(position(e.span()) + ": this option must be a constant: " + ex.getMessage());
            return None.NONE;
        }
    }

    // ================================================================== statements

    private void block(Block b, Scope sc) {
        sc.locals.push(new HashMap<>());
        for (Stmt s : b.stmts()) stmt(s, sc);
        sc.locals.pop();
    }

    private void stmt(Stmt s, Scope sc) {
        Span span = s.span();
        if (s instanceof Stmt.Let l) {
            Ev v = expr(l.value(), sc);
            sc.emit(new Instrs.SetLocal(span, sc.declare(l.name().text()), v));
        } else if (s instanceof Stmt.Assign a) {
            assign(a, sc);
        } else if (s instanceof Stmt.If i) {
            ifStmt(i, sc);
        } else if (s instanceof Stmt.For f) {
            int list = sc.newSlot();
            int idx = sc.newSlot();
            sc.emit(new Instrs.ForInit(span, list, idx, expr(f.iterable(), sc)));
            sc.locals.push(new HashMap<>());
            int var = sc.declare(f.variable().text());
            Ev max = f.options().get("max").map(m -> expr(m, sc)).orElse(null);
            // the loop's head is its header only (its body's statements are instructions of their own): what a
            // new version must keep for a fiber waiting inside the loop to move
            Instrs.ForNext next = new Instrs.ForNext(new Span(span.start(), f.body().span().start()), list, idx, var, max);
            int top = sc.emit(next);
            Loop loop = new Loop(top, new ArrayList<>());
            sc.loops.push(loop);
            block(f.body(), sc);
            sc.loops.pop();
            sc.emit(new Instrs.Jump(span, top));
            next.exit = sc.here();
            loop.breaks().forEach(j -> j.target = sc.here());
            sc.locals.pop();
        } else if (s instanceof Stmt.While w) {
            int counter = sc.newSlot();
            sc.emit(new Instrs.ResetCounter(span, counter));
            Ev max = w.options().get("max").map(m -> expr(m, sc)).orElse(null);
            Instrs.WhileTest test = new Instrs.WhileTest(new Span(span.start(), w.body().span().start()), expr(w.condition(), sc), counter, max);
            int top = sc.emit(test);
            Loop loop = new Loop(top, new ArrayList<>());
            sc.loops.push(loop);
            block(w.body(), sc);
            sc.loops.pop();
            sc.emit(new Instrs.Jump(span, top));
            test.exit = sc.here();
            loop.breaks().forEach(j -> j.target = sc.here());
        } else if (s instanceof Stmt.Break) {
            Instrs.Jump j = new Instrs.Jump(span, -1);
            sc.loops.peek().breaks().add(j);
            sc.emit(j);
        } else if (s instanceof Stmt.Continue) {
            sc.emit(new Instrs.Jump(span, sc.loops.peek().continueTarget()));
        } else if (s instanceof Stmt.Return r) {
            sc.emit(new Instrs.Return(span, r.value() == null ? null : expr(r.value(), sc)));
        } else if (s instanceof Stmt.Fail f) {
            sc.emit(new Instrs.Fail(span, expr(f.reason(), sc)));
        } else if (s instanceof Stmt.ExprStmt e) {
            sc.emit(new Instrs.Eval(span, expr(e.expr(), sc)));
        } else if (s instanceof Stmt.Call c) {
            call(c, sc);
        } else if (s instanceof Stmt.Start st) {
            int w = workflowIndex.get(st.workflow().text());
            if (st.child()) {
                sc.emit(new Instrs.RunChild(span, w, st.workflow().text(), st.args() == null ? null : expr(st.args(), sc),
                        st.options().get("id").map(v -> expr(v, sc)).orElse(null), bindingPlace(st.binding(), sc)));
                return;
            }
            Ev args = st.args() == null ? null : expr(st.args(), sc);
            Ev id = st.options().get("id").map(v -> expr(v, sc)).orElse(null);
            sc.emit(new Instrs.Start(span, w, args, id, bindingPlace(st.binding(), sc)));
        } else if (s instanceof Stmt.Emit e) {
            sc.emit(new Instrs.Emit(span, event(e.event().text()), e.payload() == null ? null : expr(e.payload(), sc)));
        } else if (s instanceof Stmt.Sleep sl) {
            sc.emit(new Instrs.Sleep(span, expr(sl.duration(), sc)));
        } else if (s instanceof Stmt.Await aw) {
            int ev = event(aw.event().text());
            Ev where = aw.options().get("where").map(w -> expr(w, sc)).orElse(null);
            Ev timeout = aw.options().get("timeout").map(t -> expr(t, sc)).orElse(null);
            sc.emit(new Instrs.Await(span, ev, where, timeout, bindingPlace(aw.binding(), sc)));
        } else if (s instanceof Stmt.Ask a) {
            guard(span, a.provider().text(), expr(a.input(), sc), a.expect(), a.checks(), a.options().get("retries").map(r -> expr(r, sc)).orElse(null),
                    a.otherwise(), a.binding(), sc);
        } else if (s instanceof Stmt.Evaluate ev) {
            guard(span, null, expr(ev.value(), sc), ev.expect(), ev.checks(), null, ev.otherwise(), ev.binding(), sc);
        } else if (s instanceof Stmt.Saga saga) {
            saga(saga, sc);
        } else if (s instanceof Stmt.Lock lock) {
            lock(lock, sc);
        } else if (s instanceof Stmt.Fork fork) {
            fork(fork, sc);
        } else if (s instanceof Stmt.Cancel cancel) {
            sc.emit(new Instrs.CancelWorkflow(span, expr(cancel.workflow(), sc)));
        } else if (s instanceof Stmt.JoinShared j) {
            sc.emit(new Instrs.JoinShared(span, expr(j.name(), sc), j.options().get("timeout").map(x -> expr(x, sc)).orElse(null),
                    bindingPlace(j.binding(), sc)));
        }
    }

    /**
     * Layout: {@code SagaBegin, (StepBegin i, action, StepEnd i)…, SagaEnd, (compensation i, CompEnd)…}.
     * The engine jumps into the compensation blocks when a step fails.
     */
    private void saga(Stmt.Saga saga, Scope sc) {
        Instrs.SagaBegin begin = new Instrs.SagaBegin(saga.span());
        int n = saga.steps().size();
        begin.stepStart = new int[n];
        begin.compStart = new int[n];
        begin.pivot = new boolean[n];
        begin.stepRetry = new Ev[n];
        begin.stepBackoff = new Ev[n];
        begin.stepNames = new String[n];
        begin.retries = saga.options().get("retries").map(r -> expr(r, sc)).orElse(null);
        sc.emit(begin);
        // step locals are visible to later steps and to compensations
        sc.locals.push(new HashMap<>());
        for (int i = 0; i < n; i++) {
            Stmt.Step step = saga.steps().get(i);
            begin.stepNames[i] = step.name().text();
            begin.pivot[i] = step.pivot();
            begin.stepRetry[i] = step.options().get("retry").map(r -> expr(r, sc)).orElse(null);
            begin.stepBackoff[i] = step.options().get("backoff").map(r -> expr(r, sc)).orElse(null);
            begin.stepStart[i] = sc.emit(new Instrs.StepBegin(step.span(), i, step.pivot()));
            for (Stmt st : step.action().stmts()) stmt(st, sc);
            sc.emit(new Instrs.StepEnd(step.span(), i, step.pivot()));
        }
        sc.emit(new Instrs.SagaEnd(saga.span(), begin));
        for (int i = 0; i < n; i++) {
            Stmt.Step step = saga.steps().get(i);
            if (step.compensation() == null) {
                begin.compStart[i] = -1;
                continue;
            }
            begin.compStart[i] = sc.here();
            block(step.compensation(), sc);
            sc.emit(new Instrs.CompEnd(step.compensation().span(), begin));
        }
        sc.locals.pop();
        begin.exit = sc.here();
        begin.binding = bindingPlace(saga.binding(), sc);
    }

    private void lock(Stmt.Lock lock, Scope sc) {
        Ev[] keys = new Ev[lock.keys().size()];
        for (int i = 0; i < keys.length; i++) keys[i] = expr(lock.keys().get(i), sc);
        sc.locals.push(new HashMap<>());
        Place token = bindingPlace(lock.binding(), sc);
        sc.emit(new Instrs.LockAcquire(lock.span(), keys, lock.options().get("lease").map(l -> expr(l, sc)).orElse(null),
                lock.options().get("wait").map(w -> expr(w, sc)).orElse(null), token));
        block(lock.body(), sc);
        sc.emit(new Instrs.LockRelease(lock.span()));
        sc.locals.pop();
    }

    /** Layout: {@code ForkStart, (branch code, BranchEnd)…}; the parent resumes at the pc after the last branch. */
    private void fork(Stmt.Fork fork, Scope sc) {
        Instrs.ForkStart start = new Instrs.ForkStart(fork.span());
        start.joinKind = fork.join().ordinal();
        start.joinCount = fork.joinCount() == null ? null : expr(fork.joinCount(), sc);
        start.onFailure = fork.joinOptions().get("on_failure").map(v -> ((Expr.Ident) v).name()).orElse("cancel");
        start.max = fork.options().get("max").map(m -> expr(m, sc)).orElse(null);
        start.share = fork.options().get("share").map(m -> expr(m, sc)).orElse(null);
        sc.emit(start);
        if (fork.dynamic()) {
            start.items = expr(fork.eachOver(), sc);
            sc.locals.push(new HashMap<>());
            start.itemSlot = sc.declare(fork.eachVar().text());
            start.starts = new int[] {sc.here()};
            for (Stmt st : fork.eachBody().stmts()) stmt(st, sc);
            sc.emit(new Instrs.BranchEnd(fork.span()));
            sc.locals.pop();
        } else {
            start.starts = new int[fork.branches().size()];
            for (int i = 0; i < fork.branches().size(); i++) {
                start.starts[i] = sc.here();
                block(fork.branches().get(i).body(), sc);
                sc.emit(new Instrs.BranchEnd(fork.branches().get(i).span()));
            }
        }
        start.exit = sc.here();
        start.binding = bindingPlace(fork.binding(), sc);
    }

    private String position(Span span) {
        return file.name() + ":" + file.line(span.start()) + ":" + file.column(span.start());
    }

    private void ifStmt(Stmt.If i, Scope sc) {
        Instrs.JumpIfFalse test = new Instrs.JumpIfFalse(i.span(), expr(i.condition(), sc));
        sc.emit(test);
        block(i.then(), sc);
        if (i.elseIf() == null && i.elseBlock() == null) {
            test.target = sc.here();
            return;
        }
        Instrs.Jump skip = new Instrs.Jump(i.span(), -1);
        sc.emit(skip);
        test.target = sc.here();
        if (i.elseIf() != null) ifStmt(i.elseIf(), sc);
        else block(i.elseBlock(), sc);
        skip.target = sc.here();
    }

    private void assign(Stmt.Assign a, Scope sc) {
        Ev value = expr(a.value(), sc);
        // fast path: `$x += e` / `$x -= e` on module state without clamps
        if (a.target() instanceof Expr.Var v && sc.module != null && sc.module.stateSlots.containsKey(v.name())
                && a.min() == null && a.max() == null && (a.op() == Stmt.AssignOp.ADD || a.op() == Stmt.AssignOp.SUB)) {
            sc.emit(new Instrs.AddState(a.span(), sc.module.stateSlots.get(v.name()), value, a.op() == Stmt.AssignOp.SUB));
            return;
        }
        if (a.target() instanceof Expr.Ident id && sc.local(id.name()) != null && a.op() == Stmt.AssignOp.SET) {
            sc.emit(new Instrs.SetLocal(a.span(), sc.local(id.name()), value));
            return;
        }
        Place place = place(a.target(), sc);
        sc.emit(new Instrs.Assign(a.span(), place, a.op(), value, a.min() == null ? null : expr(a.min(), sc),
                a.max() == null ? null : expr(a.max(), sc)));
    }

    private void call(Stmt.Call c, Scope sc) {
        int m = moduleIndex.get(c.module().text());
        ModuleScope ms = moduleScopes.get(c.module().text());
        int e = -1;
        for (int i = 0; i < ms.endpoints.size(); i++) {
            if (ms.endpoints.get(i).name().text().equals(c.endpoint().text())) e = i;
        }
        Options o = c.options();
        sc.emit(new Instrs.Call(c.span(), m, c.module().text() + "." + c.endpoint().text(),
                c.instance() == null ? null : expr(c.instance(), sc), e, c.args() == null ? null : expr(c.args(), sc),
                o.get("timeout").map(x -> expr(x, sc)).orElse(null), o.get("retry").map(x -> expr(x, sc)).orElse(null),
                o.get("backoff").map(x -> expr(x, sc)).orElse(null), o.get("key").map(x -> expr(x, sc)).orElse(null),
                bindingPlace(c.binding(), sc),
                o.get("retry_on").map(x -> x instanceof Expr.Ident id && id.name().equals("failure")).orElse(false)));
    }

    private void guard(Span span, String provider, Ev input, TypeRef expectRef, List<Stmt.Check> checks, Ev retries, Expr otherwise,
                       Expr binding, Scope sc) {
        Type expect = resolve(expectRef);
        sc.locals.push(new HashMap<>());
        int answer = sc.declare("answer");
        List<String> names = new ArrayList<>();
        List<Ev> evs = new ArrayList<>();
        for (Stmt.Check k : checks) {
            names.add(k.name().text());
            evs.add(expr(k.condition(), sc));
        }
        sc.locals.pop();
        sc.emit(new Instrs.Guard(span, provider, input, expect, names, evs, answer, retries, expr(otherwise, sc),
                bindingPlace(binding, sc)));
    }

    /** A binding target: an existing place, or a new local for a new plain name. */
    private Place bindingPlace(Expr target, Scope sc) {
        if (target == null) return null;
        if (target instanceof Expr.Ident id && sc.local(id.name()) == null) {
            return new Place(Place.Root.LOCAL, sc.declare(id.name()), null, new Ev[0], id.name());
        }
        return place(target, sc);
    }

    private Place place(Expr target, Scope sc) {
        List<Ev> path = new ArrayList<>();
        Expr cur = target;
        while (cur instanceof Expr.Field || cur instanceof Expr.Index) {
            if (cur instanceof Expr.Field f) {
                String name = f.field().text();
                path.add(0, fb -> name);
                cur = f.target();
            } else {
                Expr.Index ix = (Expr.Index) cur;
                path.add(0, expr(ix.index(), sc));
                cur = ix.target();
            }
        }
        Ev[] steps = path.toArray(new Ev[0]);
        String text = dev.baton.lang.format.Formatter.expr(target);
        if (cur instanceof Expr.Ident id) {
            Integer slot = sc.local(id.name());
            return new Place(Place.Root.LOCAL, slot == null ? sc.declare(id.name()) : slot, null, steps, text);
        }
        Expr.Var v = (Expr.Var) cur;
        if (sc.module != null && sc.module.stateSlots.containsKey(v.name())) {
            return new Place(Place.Root.STATE, sc.module.stateSlots.get(v.name()), null, steps, text);
        }
        return new Place(Place.Root.GLOBAL, -1, v.name(), steps, text);
    }

    // ================================================================== expressions

    Ev expr(Expr e, Scope sc) {
        if (e instanceof Expr.Literal l) {
            Object v = l.value() == null ? None.NONE : l.value();
            return f -> v;
        }
        if (e instanceof Expr.Var v) return var(v, sc);
        if (e instanceof Expr.Ident id) {
            Integer slot = sc.local(id.name());
            if (slot == null && !problems.isEmpty()) return f -> None.NONE; // bound inside an unsupported construct
            if (slot == null) throw new IllegalStateException("unresolved name " + id.name() + " passed the checker");
            int s = slot;
            return f -> {
                Object x = f.locals[s];
                return x == null ? None.NONE : x;
            };
        }
        if (e instanceof Expr.ForeignVar fv) {
            int module = moduleIndex.get(fv.module().text());
            int slot = moduleScopes.get(fv.module().text()).stateSlots.get(fv.var().text());
            return f -> f.ctx.allInstances(module, slot);
        }
        if (e instanceof Expr.Payload p) {
            List<String> path = p.path();
            if (path.size() == 1) {
                String k = path.get(0);
                return f -> {
                    Object v = f.payload instanceof PSortedMap<?, ?> m ? Values.map(m).get(k) : null;
                    return v == null ? None.NONE : v;
                };
            }
            return f -> {
                Object v = f.payload;
                for (String k : path) v = Builtin.index(v, k);
                return v;
            };
        }
        if (e instanceof Expr.Field fe) {
            Ev target = lookupTarget(fe.target(), sc);
            String name = fe.field().text();
            return f -> Builtin.index(target.eval(f), name);
        }
        if (e instanceof Expr.Index ix) {
            Ev target = lookupTarget(ix.target(), sc);
            Ev index = expr(ix.index(), sc);
            return f -> Builtin.index(target.eval(f), index.eval(f));
        }
        if (e instanceof Expr.Call c) return callExpr(c, sc);
        if (e instanceof Expr.Unary u) {
            Ev x = expr(u.operand(), sc);
            if (u.op() == Expr.UnaryOp.NOT) return f -> !Values.truthy(x.eval(f));
            return f -> Values.neg(x.eval(f));
        }
        if (e instanceof Expr.Binary b) return binary(b, sc);
        if (e instanceof Expr.MapLit m) {
            int n = m.entries().size();
            String[] keys = new String[n];
            Ev[] vals = new Ev[n];
            for (int i = 0; i < n; i++) {
                keys[i] = m.entries().get(i).key().text();
                vals[i] = expr(m.entries().get(i).value(), sc);
            }
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b]));
            boolean distinct = true;
            for (int i = 1; i < n; i++) distinct &= !keys[order[i - 1]].equals(keys[order[i]]);
            if (distinct && n <= SmallMap.MAX) {
                // keys sorted now, values evaluated in source order at run time
                String[] sortedKeys = new String[n];
                int[] position = new int[n];
                for (int i = 0; i < n; i++) {
                    sortedKeys[i] = keys[order[i]];
                    position[order[i]] = i;
                }
                return f -> {
                    Object[] out = new Object[n];
                    for (int i = 0; i < n; i++) out[position[i]] = vals[i].eval(f);
                    return SmallMap.ofSorted(sortedKeys, out, n);
                };
            }
            return f -> {
                PSortedMap<String, Object> out = TreePMap.empty();
                for (int i = 0; i < n; i++) {
                    Object v = vals[i].eval(f);
                    if (v != None.NONE) out = out.plus(keys[i], v);
                }
                return out;
            };
        }
        if (e instanceof Expr.ListLit l) {
            List<Ev> items = new ArrayList<>();
            for (Expr it : l.items()) items.add(expr(it, sc));
            return f -> {
                List<Object> out = new ArrayList<>(items.size());
                for (Ev it : items) out.add(it.eval(f));
                return TreePVector.from(out);
            };
        }
        throw new IllegalStateException("expression " + e.getClass().getSimpleName() + " passed the checker");
    }

    private Ev var(Expr.Var v, Scope sc) {
        if (v.name().equals("my_id")) return f -> f.ctx.instanceKey(f);
        if (sc.module != null && sc.module.stateSlots.containsKey(v.name())) {
            int slot = sc.module.stateSlots.get(v.name());
            return f -> StateMap.plain(f.ctx.state(f)[slot]);
        }
        String name = v.name();
        return f -> f.ctx.global(name);
    }

    /**
     * The target of a lookup by key ({@code $m[k]}, {@code $m.field}, {@code get($m, …)},
     * {@code contains($m, …)}, {@code len($m)}): a module state slot is read as it is, so a
     * {@link StateMap} is looked into without being frozen; the value does not escape.
     */
    private Ev lookupTarget(Expr e, Scope sc) {
        if (e instanceof Expr.Var v && sc.module != null && sc.module.stateSlots.containsKey(v.name())) {
            int slot = sc.module.stateSlots.get(v.name());
            return f -> f.ctx.state(f)[slot];
        }
        return expr(e, sc);
    }

    private Ev callExpr(Expr.Call c, Scope sc) {
        String name = ((Expr.Ident) c.callee()).name();
        if (name.equals("cas")) {
            Place place = place(c.args().get(0), sc);
            Ev expected = expr(c.args().get(1), sc);
            Ev next = expr(c.args().get(2), sc);
            return f -> {
                Object want = expected.eval(f);
                Object now = place.get(f);
                if (!Values.equal(now, want)) return false;
                place.set(f, next.eval(f));
                return true;
            };
        }
        if (name.equals("discarded") && c.args().get(0) instanceof Expr.ForeignVar fv) {
            int module = moduleIndex.get(fv.module().text());
            int slot = moduleScopes.get(fv.module().text()).stateSlots.get(fv.var().text());
            return f -> f.ctx.discarded(module, slot);
        }
        Builtin.Fn fn = Builtin.get(name);
        Ev[] args = new Ev[c.args().size()];
        boolean lookup = name.equals("get") || name.equals("contains") || name.equals("len");
        for (int i = 0; i < args.length; i++) args[i] = lookup && i == 0 ? lookupTarget(c.args().get(i), sc) : expr(c.args().get(i), sc);
        boolean literals = !c.args().isEmpty() && c.args().stream().allMatch(a -> a instanceof Expr.Literal);
        return Builtin.call(name, fn, args, literals && !lookup);
    }

    private Ev binary(Expr.Binary b, Scope sc) {
        Ev l = expr(b.left(), sc);
        Ev r = expr(b.right(), sc);
        return switch (b.op()) {
            case AND -> f -> Values.truthy(l.eval(f)) && Values.truthy(r.eval(f));
            case OR -> f -> Values.truthy(l.eval(f)) || Values.truthy(r.eval(f));
            case EQ -> f -> Values.equal(l.eval(f), r.eval(f));
            case NE -> f -> !Values.equal(l.eval(f), r.eval(f));
            case LT -> f -> Values.compare(l.eval(f), r.eval(f)) < 0;
            case LE -> f -> Values.compare(l.eval(f), r.eval(f)) <= 0;
            case GT -> f -> Values.compare(l.eval(f), r.eval(f)) > 0;
            case GE -> f -> Values.compare(l.eval(f), r.eval(f)) >= 0;
            case ADD -> b.left() instanceof Expr.Literal lit && lit.value() instanceof String prefix
                    ? f -> prefix.concat(Values.str(r.eval(f))) // "p" + x: what Values.add does for a string on the left
                    : f -> Values.add(l.eval(f), r.eval(f));
            case SUB -> f -> Values.sub(l.eval(f), r.eval(f));
            case MUL -> f -> Values.mul(l.eval(f), r.eval(f));
            case DIV -> f -> Values.div(l.eval(f), r.eval(f));
            case MOD -> f -> Values.mod(l.eval(f), r.eval(f));
        };
    }

    // ================================================================== types

    private Type resolve(TypeRef ref) {
        if (ref instanceof TypeRef.Optional o) return new Type.Opt(resolve(o.inner()));
        if (ref instanceof TypeRef.Enum e) {
            TreeSet<String> values = new TreeSet<>();
            for (Expr.Literal l : e.values()) values.add((String) l.value());
            return new Type.Enum(values);
        }
        if (ref instanceof TypeRef.Shape s) return fields(s.fields());
        TypeRef.Named n = (TypeRef.Named) ref;
        Type base = switch (n.name().text()) {
            case "Int" -> Type.INT;
            case "Float" -> Type.FLOAT;
            case "Bool" -> Type.BOOL;
            case "String" -> Type.STRING;
            case "Duration" -> Type.DURATION;
            case "List" -> new Type.ListT(n.args().isEmpty() ? Type.ANY : resolve(n.args().get(0)));
            case "Map" -> new Type.MapT(n.args().isEmpty() ? Type.ANY : resolve(n.args().get(0)));
            case "Any" -> Type.ANY;
            default -> symbols.shapes().getOrDefault(n.name().text(), Type.ANY);
        };
        if (n.ranged() && base instanceof Type.Num num) {
            Double min = n.min() == null ? null : ((Number) constant(n.min())).doubleValue();
            Double max = n.max() == null ? null : ((Number) constant(n.max())).doubleValue();
            return new Type.Num(num.isFloat(), min, max);
        }
        return base;
    }

    private Type fields(List<FieldDecl> decls) {
        Map<String, Type.Field> fields = new LinkedHashMap<>();
        for (FieldDecl f : decls) fields.put(f.name().text(), new Type.Field(resolve(f.type()), f.optional()));
        return new Type.Rec(null, fields, false);
    }

    private static String digest(String text) {
        return Meaning.digest(text);
    }
}
