package dev.baton.cli;

import picocli.CommandLine.Option;

/** {@code --ai NAME=PROVIDER}: which provider answers each AI, for {@code run}, {@code sim} and {@code serve} (a picocli mixin). */
final class AiOptions {
    @Option(names = "--ai", paramLabel = "NAME=PROVIDER", converter = AiConverter.class,
            description = {"Answer AI NAME by another provider for this run, without an edit of the program: NAME=policy (the offline,",
                    "deterministic policy), NAME=openai:ENDPOINT or NAME=openai:ENDPOINT#MODEL (a model behind an OpenAI-compatible",
                    "Chat Completions endpoint, e.g. openai:http://127.0.0.1:8000/v1#qwen2.5-7b). Repeatable. Every answer a model",
                    "gives is journaled before use (a resumed run never asks again) and checked against the Ask's expect and checks."})
    java.util.List<java.util.Map.Entry<String, java.util.Map<String, Object>>> ai = new java.util.ArrayList<>();

    dev.baton.ai.Providers providers() {
        java.util.Map<String, java.util.Map<String, Object>> o = new java.util.LinkedHashMap<>();
        for (var e : ai) o.put(e.getKey(), e.getValue());
        return new dev.baton.ai.Providers(o);
    }

    /** What is wrong with the --ai flags or the AI declarations for this plan (an unknown name, a model without an endpoint), or null. */
    String problem(dev.baton.runtime.plan.Plan plan) {
        for (var e : ai) {
            if (!plan.ais.containsKey(e.getKey())) {
                String near = dev.baton.lang.internal.Suggest.closest(e.getKey(), plan.ais.keySet());
                return "--ai " + e.getKey() + ": the program declares no AI " + e.getKey()
                        + (near != null ? "; did you mean '" + near + "'?"
                        : plan.ais.isEmpty() ? " (it declares none)" : " (it declares " + String.join(", ", plan.ais.keySet()) + ")");
            }
        }
        dev.baton.ai.Providers p = providers();
        for (var d : plan.ais.entrySet()) {
            java.util.Map<String, Object> c = p.config(d.getKey(), d.getValue());
            if ("openai".equals(c.get("provider")) && !(c.get("endpoint") instanceof String s && !s.isBlank())) {
                return "AI " + d.getKey() + " has provider \"openai\" but no endpoint: give one in the program or with --ai "
                        + d.getKey() + "=openai:http://HOST:PORT/v1";
            }
        }
        return null;
    }

    /** Parses one --ai value. */
    static final class AiConverter implements picocli.CommandLine.ITypeConverter<java.util.Map.Entry<String, java.util.Map<String, Object>>> {
        @Override
        public java.util.Map.Entry<String, java.util.Map<String, Object>> convert(String value) {
            try {
                return dev.baton.ai.Providers.parseOverride(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

}
