package dev.baton.lang;

import dev.baton.lang.ast.Decl;
import dev.baton.lang.types.Type;

import java.util.Map;

/**
 * What the checker learned about a program's declarations, for the passes after it.
 *
 * @param globals    global state: name (without {@code $}) to type
 * @param events     declared events: qualified name to payload type
 * @param moduleState per module, its private state: name to type (implicit declarations included)
 */
public record Symbols(
        long version,
        Map<String, Type> globals,
        Map<String, Type> shapes,
        Map<String, Type> events,
        Map<String, Decl.Module> modules,
        Map<String, Map<String, Type>> moduleState,
        Map<String, Decl.Workflow> workflows,
        Map<String, Decl.Ai> ais) {

    public static final Symbols EMPTY = new Symbols(1, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    public Symbols {
        globals = Map.copyOf(globals);
        shapes = Map.copyOf(shapes);
        events = Map.copyOf(events);
        modules = Map.copyOf(modules);
        moduleState = Map.copyOf(moduleState);
        workflows = Map.copyOf(workflows);
        ais = Map.copyOf(ais);
    }
}
