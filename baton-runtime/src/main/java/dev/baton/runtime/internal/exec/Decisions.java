package dev.baton.runtime.internal.exec;

import dev.baton.runtime.DecisionProvider;
import dev.baton.runtime.Faults;
import dev.baton.runtime.plan.Fiber;
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
 * <p>Each {@code Ask}'s attempts run one after another within one task, so this part gathers
 * them and, once the instruction has settled, tells the provider the whole decision ({@link
 * DecisionProvider#settled}): the run's answer log keeps it for reports and {@code baton history}.
 *
 * <p>Owns: asking, hallucinating, gathering each Ask's attempts. Must not validate an answer.
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

    /** The {@code Ask} being decided (its attempts run within one task, one after another), or null. */
    private String askAi;
    private Object askInput;
    private long askOrdinal;
    private Object lastAnswer;
    private final java.util.List<DecisionProvider.Try> tries = new java.util.ArrayList<>();

    Object decide(String ai, Object input, int attempt, dev.baton.lang.types.Type expect, java.util.List<String> checks,
                  java.util.List<String> rejected) {
        if (attempt == 0) {
            askAi = ai;
            askInput = input;
            askOrdinal = core.stats.proposals;
            tries.clear();
        }
        Object answer = ask(ai, input, attempt, expect, checks, rejected);
        lastAnswer = answer;
        return answer;
    }

    private Object ask(String ai, Object input, int attempt, dev.baton.lang.types.Type expect, java.util.List<String> checks,
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

    void counted(boolean accepted, java.util.List<String> failed) {
        core.stats.decisions++;
        core.stats.proposals++;
        if (!accepted) core.stats.decisionsRejected++;
        if (askAi != null) {
            Object a = lastAnswer;
            tries.add(a instanceof DecisionProvider.NoAnswer none ? new DecisionProvider.Try(null, none.why(), java.util.List.copyOf(failed))
                    : new DecisionProvider.Try(dev.baton.runtime.Json.toPlain(a), null, java.util.List.copyOf(failed)));
        }
    }

    /** The {@code Ask} whose attempts were just counted settled on {@code taken}: the provider is told (see {@link DecisionProvider#settled}). */
    void settled(Fiber f, dev.baton.lang.Span where, Object taken, boolean fallback) {
        if (askAi == null) return;
        dev.baton.lang.SourceFile file = core.plan.file;
        String at = file.name() + ":" + file.line(where.start()) + ":" + file.column(where.start());
        provider.settled(new DecisionProvider.Asked(core.apart.rootId == null ? "" : core.apart.rootId, askOrdinal, askAi, at,
                Views.waiter(core, f), core.timeline.now, dev.baton.runtime.Json.toPlain(askInput), java.util.List.copyOf(tries),
                dev.baton.runtime.Json.toPlain(taken), fallback));
        askAi = null;
        askInput = null;
        lastAnswer = null;
        tries.clear();
    }
}
