package dev.baton.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Faults the simulator injects, parsed from {@code --faults}: a comma-separated list of
 * {@code crash}, {@code crash=N} (crashes in the run), {@code crash=Module[:N]} (crashes of
 * that module's instances), {@code delay=P}, {@code duplicate=P},
 * {@code drop=P} (probabilities of a message being delayed, duplicated or dropped),
 * {@code spike=Module} (a latency spike on one module), {@code hallucinate=P} (an AI answer is
 * replaced by nonsense), and {@code crash-state=keep|discard} (what a crashed instance keeps).
 */
public record Faults(int crashes, double delay, double duplicate, double drop, String spikeModule, Duration spikeLength,
                     Duration maxDelay, double hallucinate, boolean discardOnCrash, String crashModule) {
    public static final Faults NONE = new Faults(0, 0, 0, 0, null, Duration.ZERO, Duration.ofMillis(50), 0, false, null);

    public boolean any() {
        return crashes > 0 || delay > 0 || duplicate > 0 || drop > 0 || spikeModule != null || hallucinate > 0;
    }

    /** Parses a fault list; throws IllegalArgumentException with a message naming the bad part. */
    public static Faults parse(String spec) {
        if (spec == null || spec.isBlank() || spec.equals("none")) return NONE;
        int crashes = 0;
        double delay = 0;
        double dup = 0;
        double drop = 0;
        double hallucinate = 0;
        String spike = null;
        boolean discard = false;
        String crashModule = null;
        for (String part : spec.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            String key = p.contains("=") ? p.substring(0, p.indexOf('=')) : p;
            String val = p.contains("=") ? part.trim().substring(p.indexOf('=') + 1) : null;
            switch (key) {
                case "crash" -> {
                    // crash, crash=3, crash=Module or crash=Module:3
                    if (val == null) {
                        crashes = 1;
                    } else if (Character.isDigit(val.charAt(0))) {
                        crashes = positiveInt(key, val);
                    } else {
                        String[] mv = val.split(":");
                        crashModule = mv[0];
                        crashes = mv.length > 1 ? positiveInt(key, mv[1]) : 1;
                    }
                }
                case "delay" -> delay = val == null ? 0.1 : probability(key, val);
                case "duplicate" -> dup = val == null ? 0.05 : probability(key, val);
                case "drop" -> drop = val == null ? 0.02 : probability(key, val);
                case "hallucinate", "director-hallucination" -> hallucinate = val == null ? 0.3 : probability(key, val);
                case "spike" -> {
                    if (val == null || val.isBlank()) throw new IllegalArgumentException("spike needs a module: spike=GlobalAuthority");
                    spike = val;
                }
                case "crash-state" -> {
                    if (!"keep".equals(val) && !"discard".equals(val)) {
                        throw new IllegalArgumentException("crash-state is keep or discard, not '" + val + "'");
                    }
                    discard = val.equals("discard");
                }
                default -> throw new IllegalArgumentException("unknown fault '" + key + "'; known: crash, delay, duplicate, drop, spike, hallucinate, crash-state");
            }
        }
        return new Faults(crashes, delay, dup, drop, spike, Duration.ofSeconds(2), Duration.ofMillis(50), hallucinate, discard, crashModule);
    }

    /**
     * What in these faults does not fit {@code plan} (a module it does not have), or null: a
     * fault list is checked against the program before anything runs or is written.
     */
    public String problemWith(dev.baton.runtime.plan.Plan plan) {
        java.util.List<String> names = plan.modules.stream().map(m -> m.name).toList();
        for (String[] named : new String[][] {{"crash", crashModule}, {"spike", spikeModule}}) {
            if (named[1] != null && plan.moduleIndex(named[1]) < 0) {
                return "--faults " + named[0] + "=" + named[1] + ": the program has no module '" + named[1] + "'"
                        + dev.baton.lang.DidYouMean.hint(named[1], names) + " (its modules: " + String.join(", ", names) + ")";
            }
        }
        return null;
    }

    private static double probability(String key, String val) {
        try {
            double d = Double.parseDouble(val);
            if (!(d >= 0 && d <= 1)) throw new NumberFormatException(); // NaN included
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + val + ": a probability is a number from 0 to 1");
        }
    }

    private static int positiveInt(String key, String val) {
        try {
            int n = Integer.parseInt(val);
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + val + ": expected a whole number");
        }
    }

    @Override
    public String toString() {
        if (!any()) return "none";
        List<String> parts = new ArrayList<>();
        if (crashes > 0) parts.add("crash=" + (crashModule == null ? String.valueOf(crashes) : crashModule + ":" + crashes));
        if (delay > 0) parts.add("delay=" + delay);
        if (duplicate > 0) parts.add("duplicate=" + duplicate);
        if (drop > 0) parts.add("drop=" + drop);
        if (spikeModule != null) parts.add("spike=" + spikeModule);
        if (hallucinate > 0) parts.add("hallucinate=" + hallucinate);
        if (discardOnCrash) parts.add("crash-state=discard");
        return String.join(",", parts);
    }
}
