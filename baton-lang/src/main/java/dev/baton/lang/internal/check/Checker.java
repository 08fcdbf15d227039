package dev.baton.lang.internal.check;

import dev.baton.lang.Code;
import dev.baton.lang.SourceFile;
import dev.baton.lang.Span;
import dev.baton.lang.Symbols;
import dev.baton.lang.ast.Block;
import dev.baton.lang.ast.Decl;
import dev.baton.lang.ast.Expr;
import dev.baton.lang.ast.FieldDecl;
import dev.baton.lang.ast.Member;
import dev.baton.lang.ast.Name;
import dev.baton.lang.ast.Node;
import dev.baton.lang.ast.Options;
import dev.baton.lang.ast.Param;
import dev.baton.lang.ast.Program;
import dev.baton.lang.ast.Stmt;
import dev.baton.lang.ast.TypeRef;
import dev.baton.lang.internal.DiagnosticSink;
import dev.baton.lang.internal.Suggest;
import dev.baton.lang.types.Type;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks names, arity, types and the language's rules, reporting into a {@link DiagnosticSink}.
 *
 * <h2>Passes</h2>
 * <ol>
 *   <li><b>Declare</b>: every top-level name (duplicates reported), shapes resolved, event
 *       payloads, global and module state typed in declaration order, endpoint and workflow
 *       signatures, and the implicit module state that {@code -> $name} bindings declare.</li>
 *   <li><b>Bodies</b>: each handler, endpoint, workflow, migration and load generator is
 *       checked in a {@link Ctx} that says what it may do (a {@code /return} query may not
 *       change state; only workflows may sleep, wait, lock, fork or run sagas).</li>
 *   <li><b>Recursion</b>: workflows that start themselves, directly or through others, must
 *       declare a {@code max_depth} budget.</li>
 * </ol>
 *
 * <h2>Unknown types</h2>
 * {@link Type#ANY} stands for "not known here" (an undeclared event's payload, an endpoint
 * without declared parameters). Checks that involve it pass; the runtime checks values.
 */
public final class Checker {
    /** The embedded engine's timer resolution; shorter ticks are rejected. */
    public static final Duration TICK_RESOLUTION = dev.baton.lang.Baton.TICK_RESOLUTION;

    private final SourceFile file;
    private final DiagnosticSink sink;

    private final Map<String, Node> topNames = new HashMap<>();
    private final Map<String, Decl.Shape> shapeDecls = new LinkedHashMap<>();
    private final Map<String, Type> shapeTypes = new HashMap<>();
    private final Set<String> resolvingShapes = new HashSet<>();
    private final Map<String, Type.Rec> events = new LinkedHashMap<>();
    private final Map<String, Type> globals = new LinkedHashMap<>();
    private final Map<String, ModuleInfo> modules = new LinkedHashMap<>();
    private final Map<String, Decl.Workflow> workflows = new LinkedHashMap<>();
    private final Map<String, Type.Rec> workflowParams = new HashMap<>();
    private final Map<String, Decl.Ai> ais = new LinkedHashMap<>();
    private final Map<String, List<Stmt.Start>> starts = new LinkedHashMap<>();
    /** Calls made by module handlers and endpoints: which body (module, and its name there) calls which endpoint. */
    private final List<HandlerCall> handlerCalls = new ArrayList<>();
    /** The handler or endpoint being checked ({@code Ping}, {@code ON Boss.Hit}, {@code Tick}), or null. */
    private String currentBody;

    /** One {@code Call} made by a module's handler or endpoint {@code body}, to {@code toModule.toEndpoint}. */
    record HandlerCall(String module, String body, String toModule, String toEndpoint, Stmt.Call call) {
    }
    private long version = 1;
    /** Names of declared parameters (read-only globals). */
    private final Set<String> params = new HashSet<>();
    private boolean versionDeclared;

    static final class ModuleInfo {
        final Decl.Module decl;
        final Map<String, Type> state = new LinkedHashMap<>();
        final Set<String> implicitState = new HashSet<>();
        final Map<String, Member.Endpoint> endpoints = new LinkedHashMap<>();
        final Map<String, Type.Rec> endpointParams = new HashMap<>();
        long instances = 1;
        /** True when {@link #instances} is known here (a literal, or none given), not computed from a Param. */
        boolean instancesKnown = true;
        boolean keyed;

        ModuleInfo(Decl.Module decl) {
            this.decl = decl;
        }

        String name() {
            return decl.name().text();
        }
    }

    /** Where a body runs, which decides what it may do. */
    enum Where {
        GLOBAL_INIT("global state"), STATE_INIT("module state"), CONSTRAINT("a constraint"), ON("an ON handler"),
        TICK("a Tick handler"), EXECUTE("an /execute endpoint"), RETURN("a /return query"), WORKFLOW("a workflow"),
        MIGRATION("a migration"), LOAD("a load generator"), CHECK("a check"), REPORT("a report");

        final String what;

        Where(String what) {
            this.what = what;
        }
    }

    final class Ctx {
        final Where where;
        final ModuleInfo module;
        final Decl.Workflow workflow;
        final Type payload;
        final Deque<Map<String, Type>> scopes = new ArrayDeque<>();
        int loops;
        int locks;
        int branches;
        boolean inStep;

        Ctx(Where where, ModuleInfo module, Decl.Workflow workflow, Type payload) {
            this.where = where;
            this.module = module;
            this.workflow = workflow;
            this.payload = payload;
            scopes.push(new LinkedHashMap<>());
        }

        boolean readOnly() {
            return where == Where.RETURN || where == Where.CONSTRAINT || where == Where.CHECK
                    || where == Where.GLOBAL_INIT || where == Where.STATE_INIT || where == Where.REPORT;
        }

        boolean isWorkflow() {
            return where == Where.WORKFLOW || where == Where.MIGRATION && workflow != null;
        }

        Type local(String name) {
            for (Map<String, Type> s : scopes) {
                Type t = s.get(name);
                if (t != null) return t;
            }
            return null;
        }

        void declare(Name name, Type type) {
            Map<String, Type> top = scopes.peek();
            if (top.containsKey(name.text())) {
                sink.report(name.span(), Code.DUPLICATE, "'" + name.text() + "' is already declared in this block");
            }
            top.put(name.text(), type);
        }

        void push() {
            scopes.push(new LinkedHashMap<>());
        }

        void pop() {
            scopes.pop();
        }

        Set<String> localNames() {
            Set<String> all = new LinkedHashSet<>();
            for (Map<String, Type> s : scopes) all.addAll(s.keySet());
            return all;
        }
    }

    public Checker(SourceFile file, DiagnosticSink sink) {
        this.file = file;
        this.sink = sink;
    }

    public Symbols check(Program program) {
        declare(program);
        for (Decl d : program.decls()) body(d);
        recursion();
        CallCycles.report(handlerCalls, sink);
        Map<String, Map<String, Type>> moduleState = new LinkedHashMap<>();
        Map<String, Decl.Module> moduleDecls = new LinkedHashMap<>();
        modules.forEach((k, m) -> {
            moduleState.put(k, Map.copyOf(m.state));
            moduleDecls.put(k, m.decl);
        });
        Map<String, Type> eventTypes = new LinkedHashMap<>(events);
        return new Symbols(version, globals, shapeTypes, eventTypes, moduleDecls, moduleState, workflows, ais);
    }

    // ================================================================== pass 1: declare

    private void declare(Program program) {
        for (Decl d : program.decls()) {
            if (d instanceof Decl.Shape s && claim(s.name(), s)) shapeDecls.put(s.name().text(), s);
            if (d instanceof Decl.Module m && claim(m.name(), m)) modules.put(m.name().text(), new ModuleInfo(m));
            if (d instanceof Decl.Workflow w && claim(w.name(), w)) workflows.put(w.name().text(), w);
            if (d instanceof Decl.Ai a && claim(a.name(), a)) ais.put(a.name().text(), a);
            if (d instanceof Decl.Version v) {
                if (versionDeclared) sink.report(v.span(), Code.DUPLICATE, "the program's version is declared twice");
                if (v.version() < 1) sink.report(v.span(), Code.BAD_VERSION, "a version is a whole number from 1 up");
                versionDeclared = true;
                version = v.version();
            }
        }
        for (String s : shapeDecls.keySet()) shapeType(s, shapeDecls.get(s).name().span());
        for (Decl d : program.decls()) {
            if (d instanceof Decl.Parameter p) {
                Ctx c = new Ctx(Where.GLOBAL_INIT, null, null, null);
                Type t = expr(p.value(), c);
                if (!(constant(p.value()) != null)) {
                    sink.report(p.value().span(), Code.BAD_OPTION, "a parameter's default is a constant (a number, string, duration or bool)");
                }
                Type declared = p.type() == null ? widen(t) : resolve(p.type());
                if (p.type() != null) expectAssignable(declared, t, p.value(), "the default of parameter " + p.name().text());
                if (globals.containsKey(p.name().text())) {
                    sink.report(p.name().span(), Code.DUPLICATE, "$" + p.name().text() + " is declared twice");
                }
                globals.put(p.name().text(), declared);
                params.add(p.name().text());
            }
        }
        Set<String> constraintNames = new HashSet<>();
        for (Decl d : program.decls()) {
            if (d instanceof Decl.Event e) {
                String n = e.name().text();
                if (e.name().parts().size() < 2) {
                    sink.report(e.name().span(), Code.SYNTAX, "an event is named Source.Event, as in Player.AttackBoss");
                }
                if (events.containsKey(n)) {
                    sink.report(e.name().span(), Code.DUPLICATE, "event " + n + " is declared twice");
                } else {
                    events.put(n, fieldsType(n, e.fields()));
                }
            } else if (d instanceof Decl.State s) {
                Ctx c = new Ctx(Where.GLOBAL_INIT, null, null, null);
                Type t = stateType(s, c);
                if (globals.containsKey(s.name().text())) {
                    sink.report(s.name().span(), Code.DUPLICATE, "global state $" + s.name().text() + " is declared twice");
                } else {
                    globals.put(s.name().text(), t);
                }
            } else if (d instanceof Decl.Constraint k && !constraintNames.add(k.name().text())) {
                sink.report(k.name().span(), Code.DUPLICATE, "constraint '" + k.name().text() + "' is declared twice");
            }
        }
        for (ModuleInfo m : modules.values()) declareModule(m);
        for (Decl.Workflow w : workflows.values()) {
            workflowParams.put(w.name().text(), paramsType(w.params(), new Ctx(Where.WORKFLOW, null, w, null)));
            options(w.options(), new Ctx(Where.WORKFLOW, null, w, null), "Workflow", Map.of(
                    "max_depth", "int", "max_children", "int", "timeout", "duration"), false);
        }
        for (Decl.Ai a : ais.values()) {
            options(a.options(), new Ctx(Where.GLOBAL_INIT, null, null, null), "AI", Map.ofEntries(
                    Map.entry("provider", "string"), Map.entry("model", "string"), Map.entry("instructions", "string"),
                    Map.entry("temperature", "number"), Map.entry("max_tokens", "int"), Map.entry("endpoint", "string"),
                    Map.entry("key_env", "string"), Map.entry("timeout", "duration"), Map.entry("http_retries", "int"),
                    Map.entry("max_calls", "int"), Map.entry("token_budget", "int")), false);
            for (Options.Option o : a.options().entries()) {
                if (o.key() == null || !o.key().text().equals("provider") || !(o.value() instanceof Expr.Literal lit)
                        || !(lit.value() instanceof String named)) continue;
                if (!AI_PROVIDERS.contains(named)) {
                    unknown(o.value().span(), Code.UNKNOWN_AI, "unknown provider \"" + named + "\" for AI " + a.name().text(),
                            named, AI_PROVIDERS, "; known providers: " + String.join(", ", AI_PROVIDERS));
                }
            }
        }
    }

    /** The providers an {@code AI} may name (the runtime's router knows the same). */
    private static final java.util.Set<String> AI_PROVIDERS = new java.util.TreeSet<>(List.of("policy", "openai"));

    private boolean claim(Name name, Node node) {
        Node prev = topNames.putIfAbsent(name.text(), node);
        if (prev != null) {
            sink.report(name.span(), Code.DUPLICATE, "'" + name.text() + "' is already defined at line "
                    + file.line(prev.span().start()) + " (" + kind(prev) + ")");
            return false;
        }
        return true;
    }

    private static String kind(Node n) {
        if (n instanceof Decl.Module) return "a module";
        if (n instanceof Decl.Workflow) return "a workflow";
        if (n instanceof Decl.Ai) return "an AI provider";
        if (n instanceof Decl.Shape) return "a shape";
        return "a declaration";
    }

    private void declareModule(ModuleInfo m) {
        Ctx optCtx = new Ctx(Where.STATE_INIT, m, null, null);
        options(m.decl.options(), optCtx, "Module", Map.of("instances", "int", "keys", "list"), false);
        m.decl.options().get("instances").ifPresent(e -> {
            if (e instanceof Expr.Literal lit && lit.value() instanceof Long n) {
                if (n < 1) sink.report(e.span(), Code.BAD_OPTION, "a module has at least 1 instance");
                if (n > dev.baton.lang.Baton.MAX_INSTANCES) {
                    sink.report(e.span(), Code.BAD_OPTION, "a module has at most " + String.format(java.util.Locale.ROOT, "%,d", dev.baton.lang.Baton.MAX_INSTANCES)
                            + " instances (this one asks for " + String.format(java.util.Locale.ROOT, "%,d", n) + ")");
                }
                m.instances = n;
            } else {
                m.instances = 2;
                m.instancesKnown = false;
            }
        });
        if (m.decl.options().get("keys").isPresent()) {
            m.keyed = true;
            m.instances = 2;
            m.instancesKnown = false;
            if (m.decl.options().get("instances").isPresent()) {
                sink.report(m.decl.options().span(), Code.BAD_OPTION, "give either 'instances' or 'keys', not both");
            }
        }
        Set<String> constraintNames = new HashSet<>();
        Set<String> onEvents = new HashSet<>();
        for (Member mem : m.decl.members()) {
            if (mem instanceof Decl.State s) {
                Ctx c = new Ctx(Where.STATE_INIT, m, null, null);
                Type t = stateType(s, c);
                if (m.state.containsKey(s.name().text())) {
                    sink.report(s.name().span(), Code.DUPLICATE, "$" + s.name().text() + " is already declared in module " + m.name());
                } else {
                    m.state.put(s.name().text(), t);
                }
            } else if (mem instanceof Member.Endpoint e) {
                if (m.endpoints.containsKey(e.name().text())) {
                    sink.report(e.name().span(), Code.DUPLICATE, "endpoint " + e.name().text() + " is already defined in module " + m.name());
                } else {
                    m.endpoints.put(e.name().text(), e);
                    if (e.params() != null) {
                        m.endpointParams.put(e.name().text(), paramsType(e.params(), new Ctx(Where.STATE_INIT, m, null, null)));
                    }
                }
            } else if (mem instanceof Decl.Constraint k && !constraintNames.add(k.name().text())) {
                sink.report(k.name().span(), Code.DUPLICATE, "constraint '" + k.name().text() + "' is declared twice in " + m.name());
            } else if (mem instanceof Member.On on && !onEvents.add(on.event().text())) {
                sink.report(on.event().span(), Code.DUPLICATE, "module " + m.name() + " already handles " + on.event().text()
                        + "; put both reactions in one ON handler");
            }
        }
        // `-> $name` on an undeclared name declares module state (the seed's `-> $local_boss_view`).
        for (Member mem : m.decl.members()) {
            Block body = mem instanceof Member.On on ? on.body() : mem instanceof Member.Tick t ? t.body()
                    : mem instanceof Member.Endpoint e ? e.body() : null;
            if (body == null) continue;
            walkBindings(body, target -> {
                if (target instanceof Expr.Var v && !m.state.containsKey(v.name()) && !globals.containsKey(v.name())
                        && !v.name().equals("my_id")) {
                    String near = Suggest.closest(v.name(), m.state.keySet());
                    if (near != null && Suggest.distance(near, v.name()) <= 2) {
                        sink.report(v.span(), Code.LIKELY_TYPO, "'$" + v.name() + "' declares new module state; did you mean '$"
                                + near + "'?", "$" + near);
                    }
                    m.state.put(v.name(), Type.ANY);
                    m.implicitState.add(v.name());
                }
            });
        }
    }

    private void walkBindings(Block block, java.util.function.Consumer<Expr> visit) {
        for (Stmt s : block.stmts()) {
            Expr binding = null;
            if (s instanceof Stmt.Call c) binding = c.binding();
            if (s instanceof Stmt.Start st) binding = st.binding();
            if (s instanceof Stmt.Ask a) binding = a.binding();
            if (s instanceof Stmt.Evaluate ev) binding = ev.binding();
            if (binding != null) visit.accept(binding);
            if (s instanceof Stmt.If i) {
                Stmt.If cur = i;
                while (cur != null) {
                    walkBindings(cur.then(), visit);
                    if (cur.elseBlock() != null) walkBindings(cur.elseBlock(), visit);
                    cur = cur.elseIf();
                }
            }
            if (s instanceof Stmt.For f) walkBindings(f.body(), visit);
            if (s instanceof Stmt.While w) walkBindings(w.body(), visit);
        }
    }

    private Type stateType(Decl.State s, Ctx c) {
        Type init = expr(s.init(), c);
        if (s.type() == null) return widen(init);
        Type declared = resolve(s.type());
        expectAssignable(declared, init, s.init(), "the initial value of $" + s.name().text());
        return declared;
    }

    /**
     * A literal's type as a variable's type: {@code 0} makes an Int variable, not "the Int 0",
     * and {@code "alive"} a String. Bounds stay with the state or field that declares them;
     * enums of more than one value are kept.
     */
    private static Type widen(Type t) {
        if (t instanceof Type.Num n) return new Type.Num(n.isFloat(), null, null);
        if (t instanceof Type.Enum e && e.values().size() == 1) return Type.STRING;
        if (t instanceof Type.Rec r) {
            Map<String, Type.Field> fields = new LinkedHashMap<>();
            r.fields().forEach((k, f) -> fields.put(k, new Type.Field(widen(f.type()), f.optional())));
            return new Type.Rec(r.name(), fields, r.open());
        }
        if (t instanceof Type.ListT l) return new Type.ListT(widen(l.elem()));
        if (t instanceof Type.Prim p && p.kind() == Type.Kind.NONE) return Type.ANY;
        return t;
    }

    private Type.Rec paramsType(List<Param> params, Ctx c) {
        Map<String, Type.Field> fields = new LinkedHashMap<>();
        for (Param p : params) {
            Type t = p.type() == null ? Type.ANY : resolve(p.type());
            if (p.defaultValue() != null) {
                Type dt = expr(p.defaultValue(), c);
                expectAssignable(t, dt, p.defaultValue(), "the default of parameter '" + p.name().text() + "'");
            }
            if (fields.containsKey(p.name().text())) {
                sink.report(p.name().span(), Code.DUPLICATE, "parameter '" + p.name().text() + "' is declared twice");
            }
            fields.put(p.name().text(), new Type.Field(t, p.defaultValue() != null || t instanceof Type.Opt));
        }
        return new Type.Rec(null, fields, false);
    }

    private Type.Rec fieldsType(String name, List<FieldDecl> decls) {
        Map<String, Type.Field> fields = new LinkedHashMap<>();
        for (FieldDecl f : decls) {
            if (fields.containsKey(f.name().text())) {
                sink.report(f.name().span(), Code.DUPLICATE, "field '" + f.name().text() + "' is declared twice");
            }
            fields.put(f.name().text(), new Type.Field(resolve(f.type()), f.optional()));
        }
        return new Type.Rec(name, fields, false);
    }

    private Type shapeType(String name, Span usedAt) {
        Type done = shapeTypes.get(name);
        if (done != null) return done;
        Decl.Shape decl = shapeDecls.get(name);
        if (decl == null) return null;
        if (!resolvingShapes.add(name)) {
            sink.report(usedAt, Code.TYPE_MISMATCH, "shape " + name + " contains itself; use an optional field or a List");
            return Type.ANY;
        }
        Type t = fieldsType(name, decl.fields());
        resolvingShapes.remove(name);
        shapeTypes.put(name, t);
        return t;
    }

    /** Turns a written type into a {@link Type}, reporting unknown names. */
    Type resolve(TypeRef ref) {
        if (ref instanceof TypeRef.Optional o) return new Type.Opt(resolve(o.inner()));
        if (ref instanceof TypeRef.Shape s) return fieldsType(null, s.fields());
        if (ref instanceof TypeRef.Enum e) {
            Set<String> values = new TreeSet<>();
            for (Expr.Literal l : e.values()) {
                if (!values.add((String) l.value())) {
                    sink.report(l.span(), Code.DUPLICATE, "\"" + l.value() + "\" is listed twice");
                }
            }
            return new Type.Enum(values);
        }
        TypeRef.Named n = (TypeRef.Named) ref;
        String name = n.name().text();
        int wantArgs = switch (name) {
            case "List", "Map" -> 1;
            default -> 0;
        };
        if (n.args().size() != wantArgs) {
            sink.report(n.span(), Code.ARITY, wantArgs == 0 ? name + " takes no type arguments"
                    : name + " takes one type argument, as in " + name + "<Int>");
        }
        Type arg = n.args().isEmpty() ? Type.ANY : resolve(n.args().get(0));
        Type base = switch (name) {
            case "Int" -> Type.INT;
            case "Float" -> Type.FLOAT;
            case "Bool" -> Type.BOOL;
            case "String" -> Type.STRING;
            case "Duration" -> Type.DURATION;
            case "Any" -> Type.ANY;
            case "List" -> new Type.ListT(arg);
            case "Map" -> new Type.MapT(arg);
            default -> null;
        };
        if (base == null) {
            base = shapeType(name, n.name().span());
            if (base == null) {
                List<String> known = new ArrayList<>(List.of("Int", "Float", "Bool", "String", "Duration", "Any", "List", "Map"));
                known.addAll(shapeDecls.keySet());
                unknown(n.name().span(), Code.UNKNOWN_TYPE, "unknown type '" + name + "'", name, known, "");
                return Type.ANY;
            }
        }
        if (n.ranged()) {
            if (!(base instanceof Type.Num num)) {
                sink.report(n.span(), Code.TYPE_MISMATCH, "bounds [min..max] apply to Int and Float, not " + base.display());
                return base;
            }
            Double min = n.min() == null ? null : constNumber(n.min());
            Double max = n.max() == null ? null : constNumber(n.max());
            if (min != null && max != null && min > max) {
                sink.report(n.span(), Code.OUT_OF_BOUNDS, "empty range: the minimum is larger than the maximum");
            }
            return new Type.Num(num.isFloat(), min, max);
        }
        return base;
    }

    private Double constNumber(Expr e) {
        Object v = constant(e);
        if (v instanceof Number num) return num.doubleValue();
        sink.report(e.span(), Code.TYPE_MISMATCH, "a bound must be a constant number");
        return null;
    }

    /** Value of a constant expression (literal, or negated literal), else null. */
    static Object constant(Expr e) {
        if (e instanceof Expr.Literal l) return l.value();
        if (e instanceof Expr.Unary u && u.op() == Expr.UnaryOp.NEG && u.operand() instanceof Expr.Literal l) {
            if (l.value() instanceof Long n) return -n;
            if (l.value() instanceof Double d) return -d;
        }
        return null;
    }

    // ================================================================== pass 2: bodies

    private void body(Decl d) {
        if (d instanceof Decl.Constraint k) {
            constraint(k, new Ctx(Where.CONSTRAINT, null, null, null));
        } else if (d instanceof Decl.Module m) {
            ModuleInfo info = modules.get(m.name().text());
            if (info == null || info.decl != m) return;
            for (Member mem : m.members()) member(info, mem);
        } else if (d instanceof Decl.Workflow w) {
            if (workflows.get(w.name().text()) != w) return;
            Ctx c = new Ctx(Where.WORKFLOW, null, w, workflowParams.get(w.name().text()));
            for (var p : workflowParams.get(w.name().text()).fields().entrySet()) {
                c.scopes.peek().put(p.getKey(), p.getValue().type());
            }
            block(w.body(), c);
        } else if (d instanceof Decl.Migration mig) {
            migration(mig);
        } else if (d instanceof Decl.Fault fault) {
            Ctx c = new Ctx(Where.GLOBAL_INIT, null, null, null);
            options(fault.options(), c, "Fault", Map.of("at", "duration", "down", "duration", "module", "name", "key", "expr"), false);
            fault.options().get("module").ifPresentOrElse(m -> {
                String mn = m instanceof Expr.Ident id ? id.name() : "";
                if (!modules.containsKey(mn)) {
                    unknown(m.span(), Code.UNKNOWN_MODULE, "unknown module '" + mn + "'", mn, modules.keySet(), "");
                    return;
                }
                ModuleInfo target = modules.get(mn);
                Expr key = fault.options().get("key").orElse(null);
                long k = key == null ? 0 : key instanceof Expr.Literal lit && lit.value() instanceof Long n ? n : -1;
                if (target.instancesKnown && (key == null || key instanceof Expr.Literal lit && lit.value() instanceof Long)
                        && (k < 0 || k >= target.instances)) {
                    sink.report(key == null ? fault.name().span() : key.span(), Code.BAD_OPTION, "Fault " + fault.name().text() + " takes down "
                            + mn + "[" + k + "], which is not an instance: " + mn + " has " + (target.instances == 1 ? "one instance, key 0"
                            : target.instances + " instances, keys 0.." + (target.instances - 1)));
                }
            }, () -> sink.report(fault.name().span(), Code.MISSING_ARGUMENT, "a Fault names the module it takes down: [module: Name, key: k]"));
            if (fault.options().get("at").isEmpty()) {
                sink.report(fault.name().span(), Code.MISSING_ARGUMENT, "a Fault says when it strikes: [at: 2s]");
            }
        } else if (d instanceof Decl.Report report) {
            expr(report.body(), new Ctx(Where.REPORT, null, null, null));
        } else if (d instanceof Decl.Load load) {
            Ctx c = new Ctx(Where.LOAD, null, null, null);
            options(load.options(), c, "Load", Map.of("population", "int", "rate", "int", "total", "int",
                    "start", "duration", "duration", "duration", "actors", "int", "until", "bool"), false);
            c.scopes.peek().put("actor", Type.INT);
            c.scopes.peek().put("seq", Type.INT);
            block(load.body(), c);
        }
    }

    private void member(ModuleInfo m, Member mem) {
        if (mem instanceof Decl.Constraint k) {
            constraint(k, new Ctx(Where.CONSTRAINT, m, null, null));
        } else if (mem instanceof Member.On on) {
            Type payload = eventPayload(on.event(), true);
            Ctx c = new Ctx(Where.ON, m, null, payload);
            options(on.options(), c, "ON", Map.of("route", "expr"), false);
            currentBody = "ON " + on.event().text();
            block(on.body(), c);
            currentBody = null;
        } else if (mem instanceof Member.Tick t) {
            Ctx c = new Ctx(Where.TICK, m, null, null);
            options(t.options(), c, "Tick", Map.of("missed", "word:skip,coalesce,catch_up", "jitter", "duration"), true);
            Expr period = t.options().positional().orElse(null);
            if (period == null) {
                sink.report(t.options().span(), Code.BAD_OPTION, "a Tick needs a period first, as in Tick [100ms]");
            } else if (period instanceof Expr.Var pv && params.contains(pv.name())) {
                expectType(Type.DURATION, expr(period, c), period, "a Tick period");
            } else if (constant(period) instanceof Duration d) {
                if (d.compareTo(TICK_RESOLUTION) < 0 && !d.equals(dev.baton.lang.internal.parse.Parser.OUT_OF_RANGE)) {
                    sink.report(period.span(), Code.TICK_TOO_SHORT, "a Tick of " + ((Expr.Literal) period).raw()
                            + " is shorter than the engine's resolution (" + TICK_RESOLUTION.toMillis() + "ms)");
                }
            } else {
                sink.report(period.span(), Code.BAD_OPTION, "a Tick period must be a constant duration such as 100ms");
            }
            currentBody = "Tick";
            block(t.body(), c);
            currentBody = null;
        } else if (mem instanceof Member.Endpoint e) {
            if (m.endpoints.get(e.name().text()) != e) return;
            Type.Rec params = m.endpointParams.get(e.name().text());
            Ctx c = new Ctx(e.kind() == Member.Endpoint.Kind.RETURN ? Where.RETURN : Where.EXECUTE, m, null,
                    params == null ? Type.ANY : params);
            if (params != null) params.fields().forEach((k, f) -> c.scopes.peek().put(k, f.type()));
            currentBody = e.name().text();
            block(e.body(), c);
            currentBody = null;
        }
    }

    private void constraint(Decl.Constraint k, Ctx c) {
        Type t = expr(k.condition(), c);
        expectType(Type.BOOL, t, k.condition(), "a constraint");
    }

    private void migration(Decl.Migration mig) {
        if (!versionDeclared) {
            sink.report(mig.span(), Code.BAD_VERSION, "a Migration needs the program's version: add 'version N' at the top");
        } else if (mig.from() >= version) {
            sink.report(mig.span(), Code.BAD_VERSION, "Migration from " + mig.from() + " must start from an older version than "
                    + "this program's (" + version + ")");
        }
        for (Decl.MigrationItem item : mig.items()) {
            String n = item.target().text();
            if (item.workflow()) {
                Decl.Workflow w = workflows.get(n);
                if (w == null) {
                    unknown(item.target().span(), Code.UNKNOWN_WORKFLOW, "unknown workflow '" + n + "'", n, workflows.keySet(), "");
                    continue;
                }
                Ctx c = new Ctx(Where.MIGRATION, null, w, null);
                workflowParams.get(n).fields().forEach((k, f) -> c.scopes.peek().put(k, f.type()));
                block(item.body(), c);
            } else {
                ModuleInfo m = modules.get(n);
                if (m == null) {
                    unknown(item.target().span(), Code.UNKNOWN_MODULE, "unknown module '" + n + "'", n, modules.keySet(), "");
                    continue;
                }
                block(item.body(), new Ctx(Where.MIGRATION, m, null, null));
            }
        }
    }

    // ================================================================== statements

    private void block(Block b, Ctx c) {
        c.push();
        try {
            stmts(b.stmts(), c);
        } finally {
            c.pop();
        }
    }

    private void stmts(List<Stmt> list, Ctx c) {
        boolean terminated = false;
        for (Stmt s : list) {
            if (terminated) {
                sink.report(s.span(), Code.UNREACHABLE, "unreachable code: the statement before always leaves this block");
                return;
            }
            terminated = stmt(s, c);
        }
    }

    /** Checks one statement; true when it never completes normally (return, Fail, break…). */
    private boolean stmt(Stmt s, Ctx c) {
        if (s instanceof Stmt.Let l) {
            Type t = expr(l.value(), c);
            c.declare(l.name(), widen(t));
            return false;
        }
        if (s instanceof Stmt.Assign a) {
            assign(a, c);
            return false;
        }
        if (s instanceof Stmt.If i) {
            Type t = expr(i.condition(), c);
            expectType(Type.BOOL, t, i.condition(), "an if condition");
            block(i.then(), c);
            boolean thenEnds = ends(i.then());
            if (i.elseIf() != null) return stmt(i.elseIf(), c) && thenEnds;
            if (i.elseBlock() != null) {
                block(i.elseBlock(), c);
                return thenEnds && ends(i.elseBlock());
            }
            return false;
        }
        if (s instanceof Stmt.For f) {
            Type it = expr(f.iterable(), c);
            Type elem = Type.ANY;
            if (it instanceof Type.ListT l) elem = l.elem();
            else if (it instanceof Type.MapT || it instanceof Type.Rec) elem = Type.STRING;
            else if (!Type.isAny(it)) {
                sink.report(f.iterable().span(), Code.TYPE_MISMATCH, "for … in needs a List or a Map, not " + it.display());
            }
            options(f.options(), c, "for", Map.of("max", "int"), false);
            c.push();
            c.declare(f.variable(), elem);
            c.loops++;
            stmts(f.body().stmts(), c);
            c.loops--;
            c.pop();
            return false;
        }
        if (s instanceof Stmt.While w) {
            Type t = expr(w.condition(), c);
            expectType(Type.BOOL, t, w.condition(), "a while condition");
            options(w.options(), c, "while", Map.of("max", "int"), false);
            if (w.options().get("max").isEmpty()) {
                sink.report(w.span().start() + 5 <= w.span().end() ? new Span(w.span().start(), w.span().start() + 5) : w.span(),
                        Code.UNBOUNDED_LOOP, "while without a bound: add [max: N] so a runaway loop fails instead of hanging");
            }
            c.loops++;
            block(w.body(), c);
            c.loops--;
            return false;
        }
        if (s instanceof Stmt.Return r) {
            if (r.value() != null) {
                Type t = expr(r.value(), c);
                if (c.where == Where.ON || c.where == Where.TICK || c.where == Where.LOAD) {
                    sink.report(r.value().span(), Code.NOT_ALLOWED_HERE, c.where.what + " returns nothing; use a plain 'return'");
                }
                TypeRef declared = declaredReturn(c);
                if (declared != null) expectAssignable(resolve(declared), t, r.value(), "the returned value");
            }
            return true;
        }
        if (s instanceof Stmt.Break || s instanceof Stmt.Continue) {
            if (c.loops == 0) {
                sink.report(s.span(), Code.NOT_ALLOWED_HERE, (s instanceof Stmt.Break ? "break" : "continue") + " outside a loop");
            }
            return true;
        }
        if (s instanceof Stmt.Fail f) {
            expr(f.reason(), c);
            return true;
        }
        if (s instanceof Stmt.ExprStmt e) {
            expr(e.expr(), c);
            return false;
        }
        if (s instanceof Stmt.Call call) {
            callStmt(call, c);
            return false;
        }
        if (s instanceof Stmt.Start st) {
            startStmt(st, c);
            return false;
        }
        if (s instanceof Stmt.Emit e) {
            if (c.readOnly()) sink.report(e.span(), Code.WRITE_IN_QUERY, "Emit is an effect; " + c.where.what + " must not have effects");
            Type payload = eventPayload(e.event(), false);
            if (e.payload() != null) {
                checkArgs(e.payload(), payload instanceof Type.Rec r ? r : null, c, "event " + e.event().text());
            } else if (payload instanceof Type.Rec r) {
                missingArgs(r, Set.of(), e.event().span(), "event " + e.event().text());
            }
            options(e.options(), c, "Emit", Map.of("key", "expr", "delay", "duration"), false);
            return false;
        }
        if (s instanceof Stmt.Cancel cancel) {
            if (c.readOnly()) sink.report(cancel.span(), Code.WRITE_IN_QUERY, "Cancel is an effect; " + c.where.what + " must not have effects");
            Type t = expr(cancel.workflow(), c);
            if (!Type.isStringy(t)) sink.report(cancel.workflow().span(), Code.TYPE_MISMATCH, "Cancel needs a workflow id (a String), not " + t.display());
            return false;
        }
        if (s instanceof Stmt.Sleep sl) {
            workflowOnly(s, "Sleep", c);
            expectType(Type.DURATION, expr(sl.duration(), c), sl.duration(), "Sleep");
            return false;
        }
        if (s instanceof Stmt.JoinShared j) {
            workflowOnly(s, "Join", c);
            options(j.options(), c, "Join", Map.of("timeout", "duration"), false);
            expectStringy(expr(j.name(), c), j.name(), "a shared fork's name");
            bind(j.binding(), new Type.Opt(new Type.ListT(Type.ANY)), c);
            return false;
        }
        if (s instanceof Stmt.Await aw) {
            workflowOnly(s, "Await", c);
            Type payload = eventPayload(aw.event(), false);
            Ctx whereCtx = new Ctx(c.where, c.module, c.workflow, payload);
            whereCtx.scopes.clear();
            whereCtx.scopes.addAll(c.scopes);
            options(aw.options(), c, "Await", Map.of("timeout", "duration"), false);
            aw.options().get("where").ifPresent(w -> expectType(Type.BOOL, expr(w, whereCtx), w, "an Await filter"));
            bind(aw.binding(), new Type.Opt(payload), c);
            return false;
        }
        if (s instanceof Stmt.Saga saga) {
            saga(saga, c);
            return false;
        }
        if (s instanceof Stmt.Lock lock) {
            workflowOnly(s, "Lock", c);
            for (Expr k : lock.keys()) {
                Type t = expr(k, c);
                if (!Type.isStringy(t) && !Type.isNumeric(t)) {
                    sink.report(k.span(), Code.TYPE_MISMATCH, "a lock key is a String or an Int, not " + t.display());
                }
            }
            options(lock.options(), c, "Lock", Map.of("lease", "duration", "wait", "duration"), false);
            if (c.locks > 0) {
                sink.report(lock.span().start() + 4 <= lock.span().end() ? new Span(lock.span().start(), lock.span().start() + 4) : lock.span(),
                        Code.UNORDERED_LOCKS, "a Lock inside a Lock can deadlock; take all keys in one Lock (a, b) so they are acquired in one global order");
            }
            c.push();
            if (lock.binding() != null) bind(lock.binding(), Type.INT, c);
            c.locks++;
            stmts(lock.body().stmts(), c);
            c.locks--;
            c.pop();
            return false;
        }
        if (s instanceof Stmt.Fork f) {
            fork(f, c);
            return false;
        }
        if (s instanceof Stmt.Ask a) {
            if (c.readOnly()) sink.report(a.span(), Code.WRITE_IN_QUERY, "Ask is an effect; " + c.where.what + " must not have effects");
            Decl.Ai ai = ais.get(a.provider().text());
            if (ai == null) {
                unknown(a.provider().span(), Code.UNKNOWN_AI, "unknown AI provider '" + a.provider().text() + "'",
                        a.provider().text(), ais.keySet(), "; declare it with AI " + a.provider().text() + " [provider: \"policy\"]");
            }
            expr(a.input(), c);
            options(a.options(), c, "Ask", Map.of("retries", "int", "timeout", "duration"), false);
            guard(a.expect(), a.checks(), a.otherwise(), a.binding(), c);
            return false;
        }
        if (s instanceof Stmt.Evaluate ev) {
            expr(ev.value(), c);
            guard(ev.expect(), ev.checks(), ev.otherwise(), ev.binding(), c);
            return false;
        }
        throw new IllegalStateException("unhandled statement " + s.getClass());
    }

    private static boolean ends(Block b) {
        if (b.stmts().isEmpty()) return false;
        Stmt last = b.stmts().get(b.stmts().size() - 1);
        if (last instanceof Stmt.Return || last instanceof Stmt.Fail || last instanceof Stmt.Break || last instanceof Stmt.Continue) {
            return true;
        }
        if (last instanceof Stmt.If i) {
            boolean thenEnds = ends(i.then());
            if (i.elseIf() != null) return thenEnds && ends(new Block(List.of(i.elseIf()), i.elseIf().span()));
            return i.elseBlock() != null && thenEnds && ends(i.elseBlock());
        }
        return false;
    }

    private TypeRef declaredReturn(Ctx c) {
        // inside a Fork branch, return gives the branch's result, not the workflow's
        if (c.workflow != null && c.where == Where.WORKFLOW && c.branches == 0) return c.workflow.returns();
        return null;
    }

    private void workflowOnly(Stmt s, String what, Ctx c) {
        if (!c.isWorkflow()) {
            Span at = new Span(s.span().start(), Math.min(s.span().end(), s.span().start() + what.length()));
            sink.report(at, Code.NOT_ALLOWED_HERE, what + " is only allowed in a Workflow, not in " + c.where.what
                    + " (an instance runs one handler at a time and must not block); start a workflow with Start");
        }
    }

    private void guard(TypeRef expectRef, List<Stmt.Check> checks, Expr otherwise, Expr binding, Ctx c) {
        Type expect = resolve(expectRef);
        Set<String> names = new HashSet<>();
        for (Stmt.Check k : checks) {
            if (!names.add(k.name().text())) {
                sink.report(k.name().span(), Code.DUPLICATE, "check '" + k.name().text() + "' is declared twice");
            }
            Ctx kc = new Ctx(Where.CHECK, c.module, c.workflow, c.payload);
            kc.scopes.clear();
            kc.scopes.addAll(c.scopes);
            kc.push();
            kc.scopes.peek().put("answer", expect);
            expectType(Type.BOOL, expr(k.condition(), kc), k.condition(), "a check");
        }
        Type fallback = expr(otherwise, c);
        expectAssignable(expect, fallback, otherwise, "the 'otherwise' fallback");
        if (binding != null) bind(binding, expect, c);
    }

    private void assign(Stmt.Assign a, Ctx c) {
        Type target = target(a.target(), c);
        Type value = expr(a.value(), c);
        if (a.min() != null) expectNumeric(expr(a.min(), c), a.min(), "a min bound");
        if (a.max() != null) expectNumeric(expr(a.max(), c), a.max(), "a max bound");
        if ((a.min() != null || a.max() != null) && a.op() == Stmt.AssignOp.SET) {
            // allowed: clamps a plain set as well
        }
        if (target == null) return;
        // `m[k] = none` removes the entry: allowed whatever the map's value type
        boolean removesEntry = a.op() == Stmt.AssignOp.SET && value.equals(Type.NONE) && a.target() instanceof Expr.Index ix
                && Type.strip(lastTypes.getOrDefault(ix.target(), Type.ANY)) instanceof Type.MapT;
        if (removesEntry) return;
        switch (a.op()) {
            case SET -> expectAssignable(target, value, a.value(), "this assignment");
            case ADD -> {
                Type t = Type.strip(target);
                if (Type.isStringy(t) && !Type.isAny(t)) {
                    return;
                }
                if (t instanceof Type.ListT) return;
                if (t instanceof Type.Prim p && p.kind() == Type.Kind.DURATION) {
                    expectType(Type.DURATION, value, a.value(), "+= on a Duration");
                    return;
                }
                arithmeticAssign(t, value, a);
            }
            case SUB, MUL, DIV -> {
                Type t = Type.strip(target);
                if (t instanceof Type.Prim p && p.kind() == Type.Kind.DURATION) {
                    if (a.op() == Stmt.AssignOp.SUB) expectType(Type.DURATION, value, a.value(), "-= on a Duration");
                    else expectNumeric(value, a.value(), a.op().symbol() + " on a Duration");
                    return;
                }
                arithmeticAssign(t, value, a);
            }
        }
    }

    private void arithmeticAssign(Type target, Type value, Stmt.Assign a) {
        if (!Type.isNumeric(target)) {
            sink.report(a.target().span(), Code.TYPE_MISMATCH, a.op().symbol() + " needs a number, but this is " + target.display());
            return;
        }
        if (!Type.isNumeric(value)) {
            sink.report(a.value().span(), Code.TYPE_MISMATCH, a.op().symbol() + " needs a number, but this is " + value.display());
            return;
        }
        if (target instanceof Type.Num tn && !tn.isFloat()
                && (value instanceof Type.Num vn && vn.isFloat() || a.op() == Stmt.AssignOp.DIV)) {
            sink.report(a.value().span(), Code.TYPE_MISMATCH, "this makes a Float but the target is an Int; round it with floor(), ceil() or round()");
        }
    }

    /** Type of an assignment target, or null when it was reported. Checks write permissions. */
    private Type target(Expr t, Ctx c) {
        Expr root = t;
        while (root instanceof Expr.Field f || root instanceof Expr.Index) {
            root = root instanceof Expr.Field f2 ? f2.target() : ((Expr.Index) root).target();
        }
        if (root instanceof Expr.Var v) {
            if (v.name().equals("my_id")) {
                sink.report(v.span(), Code.READ_ONLY, "$my_id is this instance's key and cannot be changed");
                return null;
            }
            if (params.contains(v.name()) && !(c.module != null && c.module.state.containsKey(v.name()))) {
                sink.report(v.span(), Code.READ_ONLY, "$" + v.name() + " is a parameter (set it with --" + v.name() + " on the command line)");
                return null;
            }
            boolean isState = c.module != null && c.module.state.containsKey(v.name()) || globals.containsKey(v.name());
            if (isState && c.readOnly()) {
                sink.report(t.span(), Code.WRITE_IN_QUERY, "cannot change $" + v.name() + " in " + c.where.what
                        + (c.where == Where.RETURN ? "; a /return endpoint only reads — use /execute to change state" : ""));
                return null;
            }
        } else if (root instanceof Expr.ForeignVar fv) {
            foreign(fv, true);
            return null;
        } else if (root instanceof Expr.Ident id && c.local(id.name()) != null && c.where == Where.CHECK) {
            sink.report(t.span(), Code.WRITE_IN_QUERY, "a check only reads");
            return null;
        }
        Type type = expr(t, c);
        return Type.isAny(type) && !(root instanceof Expr.Var) && !(root instanceof Expr.Ident id2 && c.local(id2.name()) != null)
                ? null : type;
    }

    private void bind(Expr target, Type type, Ctx c) {
        if (target == null) return;
        if (target instanceof Expr.Ident id) {
            if (c.local(id.name()) == null) {
                c.scopes.peek().put(id.name(), widen(type));
            }
            return;
        }
        if (target instanceof Expr.Var v && c.module != null && c.module.implicitState.contains(v.name())) {
            if (c.readOnly()) sink.report(target.span(), Code.WRITE_IN_QUERY, "cannot change $" + v.name() + " in " + c.where.what);
            return;
        }
        if (target instanceof Expr.Var v && c.isWorkflow() && !globals.containsKey(v.name())) {
            unknown(v.span(), Code.UNKNOWN_NAME, "unknown state '$" + v.name() + "'", "$" + v.name(), stateNames(c),
                    "; a workflow has no module state: bind to a local name instead");
            return;
        }
        Type t = target(target, c);
        if (t != null) expectAssignable(t, type, target, "this result");
    }

    private void callStmt(Stmt.Call call, Ctx c) {
        String mn = call.module().text();
        ModuleInfo m = modules.get(mn);
        options(call.options(), c, "Call", Map.of("timeout", "duration", "retry", "int", "backoff", "duration", "key", "expr",
                "retry_on", "word:timeout,failure"), false);
        if (call.instance() != null) {
            Type k = expr(call.instance(), c);
            if (!Type.isStringy(k) && !Type.isNumeric(k)) {
                sink.report(call.instance().span(), Code.TYPE_MISMATCH, "an instance key is an Int or a String, not " + k.display());
            }
        }
        if (m == null) {
            String hint = workflows.containsKey(mn) ? "; " + mn + " is a workflow: start it with Start " + mn + " { … }" : "";
            unknown(call.module().span(), Code.UNKNOWN_MODULE, "unknown module '" + mn + "'", mn, modules.keySet(), hint);
            if (call.args() != null) checkArgs(call.args(), null, c, "");
            bind(call.binding(), Type.ANY, c);
            return;
        }
        String en = call.endpoint().text();
        Member.Endpoint e = m.endpoints.get(en);
        if (e == null) {
            unknown(call.endpoint().span(), Code.UNKNOWN_ENDPOINT, "unknown endpoint '" + en + "' on " + mn, en, m.endpoints.keySet(), "");
            if (call.args() != null) checkArgs(call.args(), null, c, "");
            bind(call.binding(), Type.ANY, c);
            return;
        }
        if (e.kind() == Member.Endpoint.Kind.EXECUTE && c.readOnly()) {
            sink.report(call.span(), Code.WRITE_IN_QUERY, mn + "." + en + " is an /execute command; "
                    + c.where.what + " may only call /return queries");
        }
        if (call.instance() == null && m.instances > 1) {
            sink.report(call.module().span(), Code.MISSING_ARGUMENT, "module " + mn + " has many instances; say which one: Call "
                    + mn + "[key]." + en);
        } else if (call.instance() != null && m.instances == 1 && !m.keyed) {
            sink.report(call.instance().span(), Code.BAD_OPTION, "module " + mn + " has a single instance; drop the [key]");
        }
        if (c.module == m && call.instance() == null) {
            sink.report(call.span(), Code.NOT_ALLOWED_HERE, "a module cannot Call its own instance: an instance runs one handler at a time");
        } else if (c.module != null && currentBody != null) {
            handlerCalls.add(new HandlerCall(c.module.decl.name().text(), currentBody, mn, en, call));
        }
        Type.Rec params = m.endpointParams.get(en);
        if (call.args() != null) {
            checkArgs(call.args(), params, c, mn + "." + en);
        } else if (params != null) {
            missingArgs(params, Set.of(), call.endpoint().span(), mn + "." + en);
        }
        bind(call.binding(), e.returns() == null ? Type.ANY : resolve(e.returns()), c);
    }

    private void startStmt(Stmt.Start st, Ctx c) {
        String kw = st.child() ? "Run" : "Start";
        if (c.readOnly()) sink.report(st.span(), Code.WRITE_IN_QUERY, kw + " is an effect; " + c.where.what + " must not have effects");
        if (st.child()) workflowOnly(st, "Run", c);
        options(st.options(), c, kw, Map.of("id", "expr", "timeout", "duration"), false);
        String wn = st.workflow().text();
        Decl.Workflow w = workflows.get(wn);
        if (w == null) {
            String hint = modules.containsKey(wn) ? "; " + wn + " is a module: use Call " + wn + ".Endpoint" : "";
            unknown(st.workflow().span(), Code.UNKNOWN_WORKFLOW, "unknown workflow '" + wn + "'", wn, workflows.keySet(), hint);
            if (st.args() != null) checkArgs(st.args(), null, c, "");
            bind(st.binding(), Type.ANY, c);
            return;
        }
        if (c.workflow != null) starts.computeIfAbsent(c.workflow.name().text(), k -> new ArrayList<>()).add(st);
        Type.Rec params = workflowParams.get(wn);
        if (st.args() != null) checkArgs(st.args(), params, c, "workflow " + wn);
        else missingArgs(params, Set.of(), st.workflow().span(), "workflow " + wn);
        Type result = st.child() ? (w.returns() == null ? Type.ANY : resolve(w.returns())) : Type.STRING;
        bind(st.binding(), result, c);
    }

    private void saga(Stmt.Saga saga, Ctx c) {
        c.push();
        try {
            sagaSteps(saga, c);
        } finally {
            c.pop();
        }
        if (saga.binding() != null) bind(saga.binding(), new Type.Enum(Set.of("completed", "compensated")), c);
    }

    private void sagaSteps(Stmt.Saga saga, Ctx c) {
        workflowOnly(saga, "Saga", c);
        options(saga.options(), c, "Saga", Map.of("retries", "int", "timeout", "duration"), false);
        Set<String> names = new HashSet<>();
        boolean pivotSeen = false;
        for (Stmt.Step step : saga.steps()) {
            if (!names.add(step.name().text())) {
                sink.report(step.name().span(), Code.DUPLICATE, "step '" + step.name().text() + "' is already in this saga");
            }
            options(step.options(), c, step.pivot() ? "Pivot" : "Step", Map.of("retry", "int", "timeout", "duration", "backoff", "duration"), false);
            boolean wasInStep = c.inStep;
            c.inStep = true;
            // a step's bindings are visible to later steps and to compensations
            stmts(step.action().stmts(), c);
            if (step.compensation() != null) block(step.compensation(), c);
            c.inStep = wasInStep;
            if (!step.pivot() && step.compensation() == null && !pivotSeen && hasEffect(step.action(), c)) {
                sink.report(step.name().span(), Code.NO_COMPENSATION, "step '" + step.name().text()
                        + "' has a side effect but no Compensate block; if a later step fails it cannot be undone"
                        + " (mark it Pivot if it is the point of no return)");
            }
            pivotSeen |= step.pivot();
        }
    }

    /** Does the block change anything outside itself (an /execute call, state, an event, a workflow, an AI call)? */
    private boolean hasEffect(Block b, Ctx c) {
        for (Stmt s : b.stmts()) {
            if (s instanceof Stmt.Call call) {
                ModuleInfo m = modules.get(call.module().text());
                Member.Endpoint e = m == null ? null : m.endpoints.get(call.endpoint().text());
                if (e == null || e.kind() == Member.Endpoint.Kind.EXECUTE) return true;
            }
            if (s instanceof Stmt.Emit || s instanceof Stmt.Start) return true;
            if (s instanceof Stmt.Assign a && rootIsState(a.target())) return true;
            if (s instanceof Stmt.ExprStmt e && e.expr() instanceof Expr.Call call && call.callee() instanceof Expr.Ident id
                    && "cas".equals(id.name())) {
                return true;
            }
            if (s instanceof Stmt.If i) {
                Stmt.If cur = i;
                while (cur != null) {
                    if (hasEffect(cur.then(), c) || cur.elseBlock() != null && hasEffect(cur.elseBlock(), c)) return true;
                    cur = cur.elseIf();
                }
            }
            if (s instanceof Stmt.For f && hasEffect(f.body(), c)) return true;
            if (s instanceof Stmt.While w && hasEffect(w.body(), c)) return true;
            if (s instanceof Stmt.Lock l && hasEffect(l.body(), c)) return true;
        }
        return false;
    }

    private static boolean rootIsState(Expr e) {
        while (e instanceof Expr.Field || e instanceof Expr.Index) {
            e = e instanceof Expr.Field f ? f.target() : ((Expr.Index) e).target();
        }
        return e instanceof Expr.Var;
    }

    private void fork(Stmt.Fork f, Ctx c) {
        workflowOnly(f, "Fork", c);
        options(f.options(), c, "Fork", Map.of("max", "int", "concurrency", "int", "share", "expr"), false);
        f.options().get("share").ifPresent(n -> expectStringy(expr(n, c), n, "a shared fork's name"));
        options(f.joinOptions(), c, "Join", Map.of("on_failure", "word:cancel,compensate,continue", "timeout", "duration"), false);
        int branches;
        if (f.dynamic()) {
            Type over = expr(f.eachOver(), c);
            Type elem = over instanceof Type.ListT l ? l.elem() : Type.ANY;
            if (!(over instanceof Type.ListT) && !Type.isAny(over)) {
                sink.report(f.eachOver().span(), Code.TYPE_MISMATCH, "Fork … in needs a List, not " + over.display());
            }
            c.push();
            c.declare(f.eachVar(), elem);
            int loops = c.loops;
            c.loops = 0;
            c.branches++;
            stmts(f.eachBody().stmts(), c);
            c.branches--;
            c.loops = loops;
            c.pop();
            branches = -1;
        } else {
            Set<String> names = new HashSet<>();
            for (Stmt.Branch b : f.branches()) {
                if (b.name() != null && !names.add(b.name().text())) {
                    sink.report(b.name().span(), Code.DUPLICATE, "branch '" + b.name().text() + "' is already in this fork");
                }
                int loops = c.loops;
                c.loops = 0;
                c.branches++;
                block(b.body(), c);
                c.branches--;
                c.loops = loops;
            }
            branches = f.branches().size();
            if (branches == 0) sink.report(f.span(), Code.SYNTAX, "a Fork needs at least one Branch");
        }
        if (f.joinCount() != null) {
            Type t = expr(f.joinCount(), c);
            expectType(Type.INT, t, f.joinCount(), "Join n");
            Object n = constant(f.joinCount());
            if (n instanceof Long k && (k < 1 || branches >= 0 && k > branches)) {
                sink.report(f.joinCount().span(), Code.OUT_OF_BOUNDS, "Join " + k + " needs between 1 and "
                        + (branches >= 0 ? branches : "the number of") + " branches");
            }
        }
        if (f.binding() != null) bind(f.binding(), new Type.ListT(Type.ANY), c);
    }

    // ================================================================== expressions

    /** Types computed for expressions, by identity, for checks that look at an expression again. */
    private final Map<Expr, Type> lastTypes = new java.util.IdentityHashMap<>();

    /** The static type of an expression, reporting problems. Never null. */
    Type expr(Expr e, Ctx c) {
        Type t = exprUncached(e, c);
        lastTypes.put(e, t);
        return t;
    }

    private Type exprUncached(Expr e, Ctx c) {
        if (e instanceof Expr.Literal l) return literalType(l);
        if (e instanceof Expr.Var v) return var(v, c);
        if (e instanceof Expr.Ident id) {
            Type t = c.local(id.name());
            if (t != null) return t;
            unknownIdent(id, id, c);
            return Type.ANY;
        }
        if (e instanceof Expr.Payload p) return payload(p, c);
        if (e instanceof Expr.ForeignVar fv) {
            if (c.where == Where.REPORT) {
                // a report observes the final state: one value per instance, in key order
                ModuleInfo m = modules.get(fv.module().text());
                if (m == null) {
                    unknown(fv.module().span(), Code.UNKNOWN_MODULE, "unknown module '" + fv.module().text() + "'", fv.module().text(), modules.keySet(), "");
                    return Type.ANY;
                }
                Type t = m.state.get(fv.var().text());
                if (t == null) {
                    unknown(fv.var().span(), Code.UNKNOWN_NAME, "module " + m.name() + " has no state '$" + fv.var().text() + "'",
                            fv.var().text(), m.state.keySet(), "");
                    return Type.ANY;
                }
                return new Type.ListT(t);
            }
            foreign(fv, false);
            return Type.ANY;
        }
        if (e instanceof Expr.Field f) {
            Expr root = f;
            while (root instanceof Expr.Field ff) root = ff.target();
            if (root instanceof Expr.Ident id && c.local(id.name()) == null) {
                unknownIdent(id, f, c);
                return Type.ANY;
            }
            Type t = Type.strip(expr(f.target(), c));
            return field(t, f.field(), f.target());
        }
        if (e instanceof Expr.Index ix) {
            Type t = Type.strip(expr(ix.target(), c));
            Type k = expr(ix.index(), c);
            if (t instanceof Type.ListT l) {
                expectType(Type.INT, k, ix.index(), "a list index");
                return l.elem();
            }
            if (t instanceof Type.MapT m) {
                expectType(Type.STRING, k, ix.index(), "a map key");
                return m.value();
            }
            if (t instanceof Type.Rec r) {
                if (constant(ix.index()) instanceof String s) return field(r, new Name(s, ix.index().span()), ix.target());
                return Type.ANY;
            }
            if (t.equals(Type.STRING)) {
                expectType(Type.INT, k, ix.index(), "a string index");
                return Type.STRING;
            }
            if (!Type.isAny(t)) sink.report(ix.target().span(), Code.TYPE_MISMATCH, "cannot index a " + t.display());
            return Type.ANY;
        }
        if (e instanceof Expr.Call call) return call(call, c);
        if (e instanceof Expr.Unary u) {
            Type t = expr(u.operand(), c);
            if (u.op() == Expr.UnaryOp.NOT) {
                expectType(Type.BOOL, t, u.operand(), "'not'");
                return Type.BOOL;
            }
            if (t instanceof Type.Prim p && p.kind() == Type.Kind.DURATION) return t;
            expectNumeric(t, u.operand(), "'-'");
            return t instanceof Type.Num n ? negate(n) : Type.ANY;
        }
        if (e instanceof Expr.Binary b) return binary(b, c);
        if (e instanceof Expr.MapLit m) {
            Map<String, Type> fields = new LinkedHashMap<>();
            for (Expr.MapLit.Entry en : m.entries()) {
                Type t = expr(en.value(), c);
                if (fields.put(en.key().text(), t) != null) {
                    sink.report(en.key().span(), Code.DUPLICATE, "key '" + en.key().text() + "' appears twice in this map");
                }
            }
            return Type.record(fields, false);
        }
        if (e instanceof Expr.ListLit l) {
            Type elem = null;
            for (Expr item : l.items()) {
                Type t = widen(expr(item, c));
                elem = elem == null ? t : Type.join(elem, t);
            }
            return new Type.ListT(elem == null ? Type.ANY : elem);
        }
        throw new IllegalStateException("unhandled expression " + e.getClass());
    }

    private static Type negate(Type.Num n) {
        return new Type.Num(n.isFloat(), n.max() == null ? null : -n.max(), n.min() == null ? null : -n.min());
    }

    private static Type literalType(Expr.Literal l) {
        return switch (l.kind()) {
            case INT -> new Type.Num(false, ((Long) l.value()).doubleValue(), ((Long) l.value()).doubleValue());
            case FLOAT -> new Type.Num(true, (Double) l.value(), (Double) l.value());
            case STRING -> new Type.Enum(Set.of((String) l.value()));
            case BOOL -> Type.BOOL;
            case DURATION -> Type.DURATION;
            case NONE -> Type.NONE;
        };
    }

    private Type var(Expr.Var v, Ctx c) {
        if (v.name().equals("my_id")) {
            if (c.module == null && c.workflow == null) {
                sink.report(v.span(), Code.UNKNOWN_NAME, "$my_id is the key of a module instance or a workflow's id; there is none here");
                return Type.ANY;
            }
            return c.module != null && !c.module.keyed && c.module.instances > 1 ? Type.INT : Type.ANY;
        }
        if (c.module != null) {
            Type t = c.module.state.get(v.name());
            if (t != null) return t;
        }
        Type g = globals.get(v.name());
        if (g != null) return g;
        String hint = c.isWorkflow() || c.module == null ? "" : "; declare it in module " + c.module.name() + " as $" + v.name() + " = …";
        for (ModuleInfo other : modules.values()) {
            if (other != c.module && other.state.containsKey(v.name())) {
                hint = "; $" + v.name() + " is private state of module " + other.name() + ": Call one of its endpoints instead";
                break;
            }
        }
        unknown(v.span(), Code.UNKNOWN_NAME, "unknown state '$" + v.name() + "'", "$" + v.name(), stateNames(c), hint);
        return Type.ANY;
    }

    private Collection<String> stateNames(Ctx c) {
        List<String> names = new ArrayList<>();
        if (c.module != null) c.module.state.keySet().forEach(n -> names.add("$" + n));
        globals.keySet().forEach(n -> names.add("$" + n));
        return names;
    }

    /** Reports an unknown plain name; for {@code GlobalState.HP} suggests a whole path like {@code $global_boss_state.hp}. */
    private void unknownIdent(Expr.Ident id, Expr whole, Ctx c) {
        List<String> path = new ArrayList<>();
        Expr cur = whole;
        while (cur instanceof Expr.Field f) {
            path.add(0, f.field().text());
            cur = f.target();
        }
        String written = id.name() + (path.isEmpty() ? "" : "." + String.join(".", path));
        if (modules.containsKey(id.name()) || workflows.containsKey(id.name()) || ais.containsKey(id.name())) {
            String what = modules.containsKey(id.name()) ? "a module; call its endpoints with Call " + id.name() + ".Endpoint"
                    : workflows.containsKey(id.name()) ? "a workflow; start it with Start " + id.name()
                    : "an AI provider; use it with Ask " + id.name();
            sink.report(whole.span(), Code.UNKNOWN_NAME, "'" + id.name() + "' is " + what + ", not a value");
            return;
        }
        List<String> candidates = new ArrayList<>(c.localNames());
        candidates.addAll(stateNames(c));
        String base = Suggest.closest(id.name(), candidates);
        String suggestion = null;
        if (base != null) {
            StringBuilder s = new StringBuilder(base);
            Type t = base.startsWith("$") ? stateType(base.substring(1), c) : c.local(base);
            for (String field : path) {
                String matched = t == null ? null : matchField(field, Type.fieldNames(Type.strip(t)));
                if (matched == null) {
                    s.append('.').append(field);
                    t = null;
                } else {
                    s.append('.').append(matched);
                    t = Type.strip(t) instanceof Type.Rec r ? r.fields().get(matched).type() : null;
                }
            }
            suggestion = s.toString();
        }
        String msg = "unknown name '" + written + "'" + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?");
        sink.report(whole.span(), Code.UNKNOWN_NAME, msg, suggestion);
    }

    private Type stateType(String name, Ctx c) {
        if (c.module != null && c.module.state.containsKey(name)) return c.module.state.get(name);
        return globals.get(name);
    }

    private static String matchField(String written, List<String> fields) {
        for (String f : fields) {
            if (f.equalsIgnoreCase(written)) return f;
        }
        return Suggest.closest(written, fields);
    }

    private Type payload(Expr.Payload p, Ctx c) {
        if (c.payload == null) {
            String why = switch (c.where) {
                case TICK -> "a Tick has no payload";
                case GLOBAL_INIT, STATE_INIT -> "state is initialised before any event";
                case CONSTRAINT -> "a constraint reads state only";
                default -> "there is no current event or call here";
            };
            sink.report(p.span(), Code.NO_PAYLOAD, "{" + String.join(".", p.path()) + "} reads the payload of the current event or call, but "
                    + why);
            return Type.ANY;
        }
        Type t = c.payload;
        Span span = p.span();
        for (String f : p.path()) {
            t = field(Type.strip(t), new Name(f, span), null);
        }
        return t;
    }

    private Type field(Type t, Name field, Expr target) {
        if (t instanceof Type.Rec r) {
            Type.Field f = r.fields().get(field.text());
            if (f != null) return f.optional() ? new Type.Opt(f.type()) : f.type();
            if (r.open()) return Type.ANY;
            String where = r.name() != null ? r.name() : target == null ? "the payload" : "this value";
            unknown(field.span(), Code.UNKNOWN_FIELD, "unknown field '" + field.text() + "' in " + where, field.text(),
                    r.fields().keySet(), r.fields().isEmpty() ? "" : "; its fields are " + String.join(", ", r.fields().keySet()));
            return Type.ANY;
        }
        if (t instanceof Type.MapT m) return m.value();
        if (Type.isAny(t)) return Type.ANY;
        sink.report(field.span(), Code.TYPE_MISMATCH, "a " + t.display() + " has no field '" + field.text() + "'");
        return Type.ANY;
    }

    private void foreign(Expr.ForeignVar fv, boolean write) {
        ModuleInfo m = modules.get(fv.module().text());
        if (m == null) {
            unknown(fv.module().span(), Code.UNKNOWN_MODULE, "unknown module '" + fv.module().text() + "'", fv.module().text(), modules.keySet(), "");
            return;
        }
        sink.report(fv.span(), Code.FOREIGN_STATE, (write ? "cannot change " : "cannot read ") + fv.module().text() + ".$" + fv.var().text()
                + ": a module's state is private; " + (write ? "Call an /execute endpoint of " : "Call a /return endpoint of ")
                + fv.module().text() + " instead");
    }

    private Type call(Expr.Call call, Ctx c) {
        List<Type> args = new ArrayList<>();
        if (call.callee() instanceof Expr.Ident id && c.local(id.name()) == null) {
            Builtins.Fn fn = Builtins.get(id.name());
            if (fn == null) {
                for (Expr a : call.args()) expr(a, c);
                String hint = workflows.containsKey(id.name()) ? "; to start workflow " + id.name() + " write Start " + id.name() + " { … }"
                        : modules.containsKey(id.name()) ? "; to call module " + id.name() + " write Call " + id.name() + ".Endpoint { … }" : "";
                unknown(id.span(), Code.UNKNOWN_FUNCTION, "unknown function '" + id.name() + "'", id.name(), Builtins.all().keySet(), hint);
                return Type.ANY;
            }
            if (fn.name().equals("cas")) return cas(call, c);
            for (Expr a : call.args()) args.add(expr(a, c));
            int n = call.args().size();
            if (n < fn.min() || fn.max() >= 0 && n > fn.max()) {
                sink.report(call.span(), Code.ARITY, id.name() + "() takes " + fn.arity() + ", not " + n + "; " + fn.signature());
                return Type.ANY;
            }
            return fn.result().apply(args);
        }
        if (call.callee() instanceof Expr.Field f && f.target() instanceof Expr.Ident owner && c.local(owner.name()) == null) {
            for (Expr a : call.args()) expr(a, c);
            String name = f.field().text();
            String written = owner.name() + "." + name;
            if (modules.containsKey(owner.name())) {
                sink.report(call.span(), Code.NOT_ALLOWED_HERE, "modules are not called like functions; write Call " + written + " { … }");
            } else if (workflows.containsKey(name)) {
                sink.report(call.span(), Code.NOT_ALLOWED_HERE, "workflows are not called like functions; write Start " + name + " { … }");
            } else {
                String near = Suggest.closest(name, workflows.keySet());
                String msg = "'" + written + "' is not defined: there is no workflow '" + name + "'"
                        + (near != null ? "; did you mean '" + near + "'?" : "; declare Workflow " + name + " { … } and start it with Start " + name);
                sink.report(call.span(), Code.UNKNOWN_WORKFLOW, msg, near);
            }
            return Type.ANY;
        }
        for (Expr a : call.args()) expr(a, c);
        sink.report(call.callee().span(), Code.TYPE_MISMATCH, "only built-in functions can be called with ( … )");
        return Type.ANY;
    }

    private Type cas(Expr.Call call, Ctx c) {
        if (call.args().size() != 3) {
            for (Expr a : call.args()) expr(a, c);
            sink.report(call.span(), Code.ARITY, "cas() takes 3 arguments: cas($state.path, expected, new)");
            return Type.BOOL;
        }
        Expr path = call.args().get(0);
        if (!rootIsState(path)) {
            sink.report(path.span(), Code.TYPE_MISMATCH, "cas() changes state: its first argument must be a $state path");
            expr(path, c);
        }
        Type t = rootIsState(path) ? target(path, c) : null;
        Type expected = expr(call.args().get(1), c);
        Type next = expr(call.args().get(2), c);
        if (t != null) {
            expectAssignable(t, expected, call.args().get(1), "the expected value");
            expectAssignable(t, next, call.args().get(2), "the new value");
        }
        return Type.BOOL;
    }

    private Type binary(Expr.Binary b, Ctx c) {
        Type l = expr(b.left(), c);
        Type r = expr(b.right(), c);
        Type ls = Type.strip(l);
        Type rs = Type.strip(r);
        switch (b.op()) {
            case AND, OR -> {
                expectType(Type.BOOL, l, b.left(), "'" + b.op().symbol() + "'");
                expectType(Type.BOOL, r, b.right(), "'" + b.op().symbol() + "'");
                return Type.BOOL;
            }
            case EQ, NE -> {
                if (!comparable(ls, rs)) {
                    sink.report(b.span(), Code.TYPE_MISMATCH, "comparing " + ls.display() + " with " + rs.display()
                            + " is always " + (b.op() == Expr.BinaryOp.EQ ? "false" : "true"));
                }
                return Type.BOOL;
            }
            case LT, LE, GT, GE -> {
                boolean ok = Type.isAny(ls) || Type.isAny(rs) || ls instanceof Type.Num && rs instanceof Type.Num
                        || Type.isStringy(ls) && Type.isStringy(rs) || isDuration(ls) && isDuration(rs);
                if (!ok) {
                    sink.report(b.span(), Code.TYPE_MISMATCH, "cannot order " + ls.display() + " and " + rs.display()
                            + " with '" + b.op().symbol() + "'");
                }
                return Type.BOOL;
            }
            case ADD -> {
                if (Type.isStringy(ls) && !Type.isAny(ls) || Type.isStringy(rs) && !Type.isAny(rs)) return Type.STRING;
                if (ls instanceof Type.ListT la && rs instanceof Type.ListT lb) return new Type.ListT(Type.join(la.elem(), lb.elem()));
                if (isDuration(ls) && isDuration(rs)) return Type.DURATION;
                return arithmetic(b, ls, rs);
            }
            case SUB -> {
                if (isDuration(ls) && isDuration(rs)) return Type.DURATION;
                return arithmetic(b, ls, rs);
            }
            case MUL -> {
                if (isDuration(ls) && Type.isNumeric(rs) || Type.isNumeric(ls) && isDuration(rs)) return Type.DURATION;
                return arithmetic(b, ls, rs);
            }
            case DIV -> {
                if (isDuration(ls) && isDuration(rs)) return Type.FLOAT;
                if (isDuration(ls) && Type.isNumeric(rs)) return Type.DURATION;
                Type t = arithmetic(b, ls, rs);
                return t instanceof Type.Num ? Type.FLOAT : t;
            }
            case MOD -> {
                return arithmetic(b, ls, rs);
            }
            default -> throw new IllegalStateException();
        }
    }

    private Type arithmetic(Expr.Binary b, Type l, Type r) {
        if (!Type.isNumeric(l) || !Type.isNumeric(r)) {
            sink.report(b.span(), Code.TYPE_MISMATCH, "'" + b.op().symbol() + "' needs numbers, not " + l.display() + " and " + r.display());
            return Type.ANY;
        }
        if (Type.isAny(l) || Type.isAny(r)) return Type.ANY;
        if (b.op() == Expr.BinaryOp.MOD && constant(b.right()) instanceof Number n && n.doubleValue() == 0) {
            sink.report(b.right().span(), Code.TYPE_MISMATCH, "remainder by zero");
        }
        return ((Type.Num) l).isFloat() || ((Type.Num) r).isFloat() ? Type.FLOAT : Type.INT;
    }

    private static boolean isDuration(Type t) {
        return t instanceof Type.Prim p && p.kind() == Type.Kind.DURATION;
    }

    private static boolean comparable(Type a, Type b) {
        if (Type.isAny(a) || Type.isAny(b)) return true;
        if (a instanceof Type.Prim pa && pa.kind() == Type.Kind.NONE || b instanceof Type.Prim pb && pb.kind() == Type.Kind.NONE) {
            return true;
        }
        if (a instanceof Type.Num && b instanceof Type.Num) return true;
        if (a instanceof Type.Enum ea && b instanceof Type.Enum eb) {
            return ea.values().stream().anyMatch(eb.values()::contains);
        }
        if (Type.isStringy(a) && Type.isStringy(b)) return true;
        return Type.assignable(a, b) || Type.assignable(b, a) || a.getClass() == b.getClass();
    }

    // ================================================================== arguments and options

    /** Checks named arguments against declared parameters ({@code params} null: anything goes). */
    private void checkArgs(Expr.MapLit args, Type.Rec params, Ctx c, String target) {
        Set<String> given = new HashSet<>();
        for (Expr.MapLit.Entry en : args.entries()) {
            Type t = expr(en.value(), c);
            if (!given.add(en.key().text())) {
                sink.report(en.key().span(), Code.DUPLICATE, "argument '" + en.key().text() + "' is given twice");
            }
            if (params == null) continue;
            Type.Field f = params.fields().get(en.key().text());
            if (f == null) {
                if (!params.open()) {
                    unknown(en.key().span(), Code.UNKNOWN_ARGUMENT, target + " has no parameter '" + en.key().text() + "'",
                            en.key().text(), params.fields().keySet(), params.fields().isEmpty() ? "; it takes none"
                                    : "; it takes " + String.join(", ", params.fields().keySet()));
                }
            } else {
                expectAssignable(f.optional() ? new Type.Opt(f.type()) : f.type(), t, en.value(), "argument '" + en.key().text() + "'");
            }
        }
        if (params != null) missingArgs(params, given, args.span(), target);
    }

    private void missingArgs(Type.Rec params, Set<String> given, Span at, String target) {
        List<String> missing = new ArrayList<>();
        params.fields().forEach((k, f) -> {
            if (!f.optional() && !given.contains(k)) missing.add(k);
        });
        if (!missing.isEmpty()) {
            sink.report(at, Code.MISSING_ARGUMENT, target + " needs " + (missing.size() == 1 ? "argument '" : "arguments '")
                    + String.join("', '", missing) + "'");
        }
    }

    /**
     * Checks bracketed options against what a construct accepts: {@code duration}, {@code int},
     * {@code number}, {@code string}, {@code list}, {@code expr} (any expression) or
     * {@code word:a,b,c} (one of those words).
     */
    private void options(Options o, Ctx c, String construct, Map<String, String> allowed, boolean positional) {
        for (Options.Option opt : o.entries()) {
            if (opt.key() == null) {
                if (!positional) {
                    sink.report(opt.span(), Code.BAD_OPTION, construct + " options are written 'name: value'"
                            + (allowed.isEmpty() ? "" : "; known options: " + String.join(", ", new TreeSet<>(allowed.keySet()))));
                }
                expr(opt.value(), c);
                continue;
            }
            String key = opt.key().text();
            String kind = allowed.get(key);
            if (kind == null && !(construct.equals("Await") && key.equals("where"))) {
                unknown(opt.key().span(), Code.UNKNOWN_OPTION, "unknown option '" + key + "' for " + construct, key, allowed.keySet(),
                        allowed.isEmpty() ? "" : "; known options: " + String.join(", ", new TreeSet<>(allowed.keySet())));
                continue;
            }
            if (kind == null || kind.equals("expr") && key.equals("route")) {
                if (key.equals("route")) expr(opt.value(), c);
                continue;
            }
            if (kind.equals("name")) {
                if (!(opt.value() instanceof Expr.Ident)) sink.report(opt.value().span(), Code.BAD_OPTION, "'" + key + "' is a name");
                continue;
            }
            if (kind.startsWith("word:")) {
                List<String> words = List.of(kind.substring(5).split(","));
                if (!(opt.value() instanceof Expr.Ident id) || !words.contains(id.name())) {
                    sink.report(opt.value().span(), Code.BAD_OPTION, "'" + key + "' is one of " + String.join(", ", words));
                }
                continue;
            }
            Type t = expr(opt.value(), c);
            switch (kind) {
                case "duration" -> expectType(Type.DURATION, t, opt.value(), "option '" + key + "'");
                case "int" -> {
                    expectType(Type.INT, t, opt.value(), "option '" + key + "'");
                    if (constant(opt.value()) instanceof Long n && n < 0) {
                        sink.report(opt.value().span(), Code.BAD_OPTION, "option '" + key + "' cannot be negative");
                    }
                }
                case "number" -> expectNumeric(t, opt.value(), "option '" + key + "'");
                case "string" -> expectType(Type.STRING, t, opt.value(), "option '" + key + "'");
                case "bool" -> expectType(Type.BOOL, t, opt.value(), "option '" + key + "'");
                case "list" -> {
                    if (!(t instanceof Type.ListT) && !Type.isAny(t)) {
                        sink.report(opt.value().span(), Code.BAD_OPTION, "option '" + key + "' is a list");
                    }
                }
                default -> {
                    // "expr": any value
                }
            }
        }
    }

    // ================================================================== events

    /** The payload type of an event, or ANY when it is undeclared (reporting near-misses of declared ones). */
    private Type eventPayload(dev.baton.lang.ast.QualifiedName name, boolean handler) {
        String n = name.text();
        Type.Rec declared = events.get(n);
        if (declared != null) return declared;
        if (name.parts().size() < 2) {
            sink.report(name.span(), Code.SYNTAX, "an event is named Source.Event, as in Player.AttackBoss");
            return Type.ANY;
        }
        String source = name.parts().get(0).text();
        List<String> sameSource = new ArrayList<>();
        for (String e : events.keySet()) {
            if (e.startsWith(source + ".")) sameSource.add(e);
        }
        if (!sameSource.isEmpty()) {
            unknown(name.span(), Code.UNKNOWN_EVENT, "unknown event '" + n + "'", n, sameSource,
                    "; " + source + " declares " + String.join(", ", sameSource));
        }
        return Type.ANY;
    }

    // ================================================================== recursion

    /** Workflows in a start cycle must declare a max_depth budget. */
    private void recursion() {
        for (String w : workflows.keySet()) {
            if (!reaches(w, w, new HashSet<>())) continue;
            Decl.Workflow decl = workflows.get(w);
            if (decl.options().get("max_depth").isEmpty()) {
                sink.report(decl.name().span(), Code.UNBOUNDED_RECURSION, "workflow " + w
                        + " starts itself (directly or through others) without a budget; add [max_depth: N]");
            }
        }
    }

    private boolean reaches(String from, String goal, Set<String> seen) {
        for (Stmt.Start s : starts.getOrDefault(from, List.of())) {
            String to = s.workflow().text();
            if (to.equals(goal)) return true;
            if (seen.add(to) && reaches(to, goal, seen)) return true;
        }
        return false;
    }

    // ================================================================== reporting helpers

    private void expectType(Type want, Type got, Expr at, String what) {
        if (!Type.assignable(want, got)) {
            sink.report(at.span(), Code.TYPE_MISMATCH, what + " needs " + want.display() + ", but this is " + shown(got));
        }
    }

    private static String shown(Type t) {
        return t.equals(Type.NONE) ? "none" : widen(t).display();
    }

    private void expectStringy(Type got, Expr at, String what) {
        if (!Type.isStringy(got) && !Type.isAny(got)) {
            sink.report(at.span(), Code.TYPE_MISMATCH, what + " is a String, but this is " + widen(got).display());
        }
    }

    private void expectNumeric(Type got, Expr at, String what) {
        if (!Type.isNumeric(Type.strip(got))) {
            sink.report(at.span(), Code.TYPE_MISMATCH, what + " needs a number, but this is " + widen(got).display());
        }
    }

    private void expectAssignable(Type target, Type value, Expr at, String what) {
        if (Type.strip(target) instanceof Type.Rec rec && at instanceof Expr.MapLit map) {
            expectRecord(rec, map, what);
            return;
        }
        if (!Type.assignable(target, value)) {
            if (target instanceof Type.Enum en && value instanceof Type.Enum ve && ve.values().size() == 1) {
                String v = ve.values().iterator().next();
                String near = Suggest.closest(v, en.values());
                sink.report(at.span(), Code.TYPE_MISMATCH, "\"" + v + "\" is not one of " + en.display()
                        + (near != null ? "; did you mean \"" + near + "\"?" : ""), near == null ? null : "\"" + near + "\"");
                return;
            }
            sink.report(at.span(), Code.TYPE_MISMATCH, what + " must be " + target.display() + ", but this is " + shown(value));
            return;
        }
        Type t = Type.strip(target);
        if (t instanceof Type.Num n && n.bounded() && constant(at) instanceof Number v && !n.contains(v.doubleValue())) {
            sink.report(at.span(), Code.OUT_OF_BOUNDS, v + " is outside the declared bounds " + n.display());
        }
    }

    /** A map literal against a record type, field by field, so each problem points at its own field. */
    private void expectRecord(Type.Rec rec, Expr.MapLit map, String what) {
        Set<String> given = new HashSet<>();
        for (Expr.MapLit.Entry en : map.entries()) {
            given.add(en.key().text());
            Type.Field f = rec.fields().get(en.key().text());
            if (f == null) {
                if (!rec.open()) {
                    unknown(en.key().span(), Code.UNKNOWN_FIELD, "unknown field '" + en.key().text() + "' in "
                            + (rec.name() != null ? rec.name() : what), en.key().text(), rec.fields().keySet(), "");
                }
                continue;
            }
            Type valueType = literalOrAny(en.value());
            expectAssignable(f.optional() ? new Type.Opt(f.type()) : f.type(), valueType, en.value(),
                    "field '" + en.key().text() + "'");
        }
        List<String> missing = new ArrayList<>();
        rec.fields().forEach((k, f) -> {
            if (!f.optional() && !given.contains(k) && !(f.type() instanceof Type.Opt)) missing.add(k);
        });
        if (!missing.isEmpty()) {
            sink.report(map.span(), Code.MISSING_ARGUMENT, what + " lacks field" + (missing.size() == 1 ? " '" : "s '")
                    + String.join("', '", missing) + "' of " + rec.display());
        }
    }

    /** The type of an already-checked expression, recomputed without reporting (literals and maps only). */
    private Type literalOrAny(Expr e) {
        if (e instanceof Expr.Literal l) return literalType(l);
        if (e instanceof Expr.Unary u && u.operand() instanceof Expr.Literal l && l.value() instanceof Number) {
            Type t = literalType(l);
            return t instanceof Type.Num n ? negate(n) : t;
        }
        return lastTypes.getOrDefault(e, Type.ANY);
    }

    private void unknown(Span span, Code code, String message, String written, Collection<String> candidates, String hint) {
        String near = Suggest.closest(written, candidates);
        if (near != null) {
            sink.report(span, code, message + "; did you mean '" + near + "'?", near);
        } else {
            sink.report(span, code, message + hint);
        }
    }
}
