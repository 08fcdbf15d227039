package dev.baton.runtime;

import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.Conform;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.ValueError;

import java.util.ArrayList;
import java.util.List;

/**
 * A call of one endpoint from outside the program — {@code Module.Endpoint} or
 * {@code Module[KEY].Endpoint} with JSON arguments — checked against the plan: the module, the
 * instance key, the endpoint and every argument (types, bounds, required parameters, no
 * unknown ones). What an engine hands to its core ({@code Core#callFromOutside}).
 *
 * @param query true for a {@code /return} endpoint (read-only), false for {@code /execute}
 */
public record EndpointCall(String target, int module, Object key, int endpoint, Object args, boolean query) {

    /**
     * Parses and checks a call.
     *
     * @param target   {@code Module.Endpoint} or {@code Module[KEY].Endpoint}; KEY is JSON (a number,
     *                 a quoted string) or else taken as a string
     * @param argsJson a JSON object of the endpoint's arguments ({@code null} or blank for none)
     * @throws IllegalArgumentException saying what is wrong, and where
     */
    public static EndpointCall parse(Plan plan, String target, String argsJson) {
        String t = target == null ? "" : target.trim();
        int dot = t.lastIndexOf('.');
        if (dot <= 0 || dot == t.length() - 1) throw new IllegalArgumentException("'" + target + "' is not Module.Endpoint or Module[KEY].Endpoint");
        String head = t.substring(0, dot);
        String endpointName = t.substring(dot + 1);
        String moduleName = head;
        Object key = None.NONE;
        int open = head.indexOf('[');
        if (open >= 0) {
            if (!head.endsWith("]") || open == 0 || open == head.length() - 2) {
                throw new IllegalArgumentException("'" + target + "' is not Module.Endpoint or Module[KEY].Endpoint");
            }
            moduleName = head.substring(0, open);
            String k = head.substring(open + 1, head.length() - 1);
            try {
                key = Json.parse(k);
            } catch (RuntimeException notJson) {
                key = k;
            }
            if (key instanceof Double d && d == Math.rint(d)) key = d.longValue();
        }
        int m = plan.moduleIndex(moduleName);
        if (m < 0) throw new IllegalArgumentException("unknown module '" + moduleName + "' (modules: " + names(plan) + ")");
        Plan.ModulePlan mod = plan.modules.get(m);
        if (key != None.NONE && !mod.keys.contains(key)) {
            throw new IllegalArgumentException(Json.write(Json.toPlain(key)) + " is not an instance of " + mod.name + " (keys: " + keys(mod) + ")");
        }
        int e = -1;
        List<String> endpoints = new ArrayList<>();
        for (int i = 0; i < mod.endpoints.size(); i++) {
            endpoints.add(mod.endpoints.get(i).name());
            if (mod.endpoints.get(i).name().equals(endpointName)) e = i;
        }
        if (e < 0) {
            throw new IllegalArgumentException(mod.name + " has no endpoint '" + endpointName + "'"
                    + (endpoints.isEmpty() ? " (it has none)" : " (endpoints: " + String.join(", ", endpoints) + ")"));
        }
        Plan.Endpoint ep = mod.endpoints.get(e);
        Object args;
        try {
            args = argsJson == null || argsJson.isBlank() ? Json.parse("{}") : Json.parse(argsJson);
        } catch (RuntimeException bad) {
            throw new IllegalArgumentException("the arguments are not JSON: " + bad.getMessage());
        }
        try {
            args = Conform.coerce(ep.paramsType(), args);
        } catch (ValueError bad) {
            throw new IllegalArgumentException("arguments of " + mod.name + "." + ep.name() + ": " + bad.getMessage());
        }
        return new EndpointCall(mod.name + (key == None.NONE ? "" : "[" + Json.write(Json.toPlain(key)) + "]") + "." + ep.name(),
                m, key, e, args, ep.query());
    }

    private static String names(Plan plan) {
        List<String> out = new ArrayList<>();
        for (Plan.ModulePlan m : plan.modules) out.add(m.name);
        return String.join(", ", out);
    }

    private static String keys(Plan.ModulePlan m) {
        if (m.keys.size() <= 6) return m.keys.stream().map(k -> Json.write(Json.toPlain(k))).toList().toString();
        return Json.write(Json.toPlain(m.keys.get(0))) + " … " + Json.write(Json.toPlain(m.keys.get(m.keys.size() - 1))) + ", " + m.keys.size() + " in all";
    }
}
