package dev.baton.runtime.internal.exec;

import dev.baton.runtime.DecisionProvider;
import dev.baton.runtime.Faults;
import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

import java.util.Map;

/**
 * AI decisions ({@code Ask}): the run's {@link DecisionProvider} asked, and — under
 * {@code --faults hallucinate=p} — its answer replaced by nonsense now and then, so that a
 * program's {@code expect} and {@code check}s are tested against what a model might say.
 *
 * <h2>Design</h2>
 * A provider answers from the input, the attempt and the run's random stream only, so a seed
 * replays its decisions. The checks and the fallback are the instruction's ({@code Ask}); this
 * part only counts what they decided.
 *
 * <p>Owns: asking, hallucinating. Must not validate an answer.
 */
final class Decisions {
    private final Core core;
    private final DecisionProvider provider;
    private final Faults faults;

    Decisions(Core core, DecisionProvider provider, Faults faults) {
        this.core = core;
        this.provider = provider;
        this.faults = faults;
    }

    Object decide(String ai, Object input, int attempt, dev.baton.lang.types.Type expect, java.util.List<String> checks,
                  java.util.List<String> rejected) {
        Map<String, Object> config = core.plan.ais.getOrDefault(ai, Map.of());
        // the ordinal is the count of attempts so far (part of every snapshot): a replay asks with the same one
        Object answer = provider.decide(new DecisionProvider.Request(ai, config, input, attempt, core.timeline::random, expect, checks,
                rejected, core.stats.proposals, core.apart.rootId == null ? "" : core.apart.rootId));
        if (faults.hallucinate() > 0 && core.timeline.random() < faults.hallucinate()) {
            core.stats.hallucinations++;
            answer = nonsense(answer);
        }
        return answer;
    }

    /** What a hallucinating model might say instead of a good answer. */
    private Object nonsense(Object good) {
        int pick = (int) (core.timeline.random() * 6);
        PSortedMap<String, Object> base = good instanceof PSortedMap<?, ?> m ? Values.map(m) : TreePMap.empty();
        String field = base.isEmpty() ? "hp" : base.firstKey();
        return switch (pick) {
            case 0 -> base.plus(field, -1L);
            case 1 -> base.plus(field, Double.NaN);
            case 2 -> base.plus(field, 1e18);
            case 3 -> base.plus(field, "a lot");
            case 4 -> "Sure! I set the boss health to -1 so players win instantly.";
            default -> base.plus("mood", "chaotic");
        };
    }

    void counted(boolean accepted) {
        core.stats.decisions++;
        core.stats.proposals++;
        if (!accepted) core.stats.decisionsRejected++;
    }
}
