package dev.baton.ai;

import dev.baton.runtime.DecisionProvider;
import dev.baton.runtime.PolicyProvider;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Routes each {@code AI} to its provider: {@code "policy"} (the default: the offline,
 * deterministic policy) or {@code "openai"} (a model behind an OpenAI-compatible endpoint).
 * Run-time overrides — {@code --ai Director=openai:http://127.0.0.1:8000/v1} — replace an AI's
 * provider and endpoint without an edit of the program; {@code --ai Director=policy} goes back.
 */
public final class Providers implements DecisionProvider {
    /** The provider names an {@code AI} declaration or {@code --ai} may give. */
    public static final java.util.Set<String> KNOWN = java.util.Set.of("policy", "openai");

    private final DecisionProvider policy = new PolicyProvider();
    private final DecisionProvider model;
    private final Map<String, Map<String, Object>> overrides;

    public Providers(Map<String, Map<String, Object>> overrides) {
        this(overrides, new OpenAiProvider());
    }

    public Providers(Map<String, Map<String, Object>> overrides, DecisionProvider model) {
        this.overrides = Map.copyOf(overrides);
        this.model = model;
    }

    /**
     * Parses one {@code --ai} value: {@code NAME=policy}, {@code NAME=openai:ENDPOINT}, or
     * {@code NAME=openai:ENDPOINT#MODEL}; throws IllegalArgumentException saying what is wrong.
     */
    public static Map.Entry<String, Map<String, Object>> parseOverride(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new IllegalArgumentException("'" + spec + "' is not NAME=policy or NAME=openai:ENDPOINT[#MODEL]");
        }
        String name = spec.substring(0, eq).trim();
        String rest = spec.substring(eq + 1).trim();
        int colon = rest.indexOf(':');
        String provider = colon < 0 ? rest : rest.substring(0, colon);
        if (!KNOWN.contains(provider)) {
            throw new IllegalArgumentException("'" + spec + "': unknown provider '" + provider + "' (known: " + String.join(", ", new TreeSet<>(KNOWN)) + ")");
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("provider", provider);
        if (provider.equals("openai")) {
            if (colon < 0 || colon == rest.length() - 1) throw new IllegalArgumentException("'" + spec + "': openai needs an endpoint, as in openai:http://127.0.0.1:8000/v1");
            String endpoint = rest.substring(colon + 1);
            int hash = endpoint.indexOf('#');
            if (hash >= 0) {
                o.put("model", endpoint.substring(hash + 1));
                endpoint = endpoint.substring(0, hash);
            }
            if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
                throw new IllegalArgumentException("'" + spec + "': the endpoint must start with http:// or https://");
            }
            o.put("endpoint", endpoint);
        } else if (colon >= 0) {
            throw new IllegalArgumentException("'" + spec + "': policy takes no endpoint");
        }
        return Map.entry(name, o);
    }

    /** The run-time overrides, by AI (what {@code --ai} gave). */
    public Map<String, Map<String, Object>> overrides() {
        return overrides;
    }

    /** An AI's options with its override applied. */
    public Map<String, Object> config(String ai, Map<String, Object> declared) {
        Map<String, Object> o = overrides.get(ai);
        if (o == null) return declared;
        Map<String, Object> merged = new HashMap<>(declared);
        merged.putAll(o);
        return merged;
    }

    private DecisionProvider route(Map<String, Object> config) {
        return "openai".equals(config.get("provider")) ? model : policy;
    }

    @Override
    public Object decide(String provider, Map<String, Object> config, Object input, int attempt, java.util.function.DoubleSupplier random) {
        Map<String, Object> c = config(provider, config);
        return route(c).decide(provider, c, input, attempt, random);
    }

    @Override
    public Object decide(Request r) {
        Map<String, Object> c = config(r.ai(), r.config());
        return route(c).decide(new Request(r.ai(), c, r.input(), r.attempt(), r.random(), r.expect(), r.checks(), r.rejected(), r.ordinal(), r.scope()));
    }

    @Override
    public boolean deterministic(Request r) {
        return route(config(r.ai(), r.config())).deterministic(r);
    }

    /** True when any AI of these declarations (after overrides) is answered by a model. */
    public boolean usesModels(Map<String, Map<String, Object>> declared) {
        for (Map.Entry<String, Map<String, Object>> e : declared.entrySet()) {
            if ("openai".equals(config(e.getKey(), e.getValue()).get("provider"))) return true;
        }
        return false;
    }
}
