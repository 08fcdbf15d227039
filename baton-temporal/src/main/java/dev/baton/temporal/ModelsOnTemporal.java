package dev.baton.temporal;

import dev.baton.ai.OpenAiProvider;
import dev.baton.runtime.DecisionProvider;
import dev.baton.runtime.internal.journal.AnswerLog;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The model provider of a run on Temporal, inside its workflow: each attempt's request is
 * prepared here, sent by the worker as the local activity {@link BatonAsk} (its result recorded
 * in the workflow's history — Temporal's journal of the answer), and its reply interpreted here.
 * Budgets ({@code max_calls}, {@code token_budget}) count the attempts of this workflow's chain
 * of runs: the counts travel in the continue-as-new input ({@link RunInput#aiSpent}).
 */
final class ModelsOnTemporal implements DecisionProvider {
    private final BatonAsk ask;
    /** Per AI: {calls, tokens} so far. */
    final Map<String, long[]> spent = new TreeMap<>();

    ModelsOnTemporal(Map<String, java.util.List<Long>> spentBefore) {
        // no retries of the activity itself: the provider retries what is transient, and a reply it
        // gave up on is an answer too (no answer, with the reason)
        this.ask = Workflow.newLocalActivityStub(BatonAsk.class, LocalActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(10)).setDoNotIncludeArgumentsIntoMarker(true)
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build()).build());
        if (spentBefore != null) spentBefore.forEach((ai, s) -> spent.put(ai, new long[] {s.get(0), s.get(1)}));
    }

    /** The counts to carry into the next run of the chain. */
    Map<String, java.util.List<Long>> spentForNext() {
        Map<String, java.util.List<Long>> out = new TreeMap<>();
        spent.forEach((ai, s) -> out.put(ai, java.util.List.of(s[0], s[1])));
        return out;
    }

    @Override
    public boolean deterministic(Request r) {
        return false;
    }

    @Override
    public Object decide(String provider, Map<String, Object> config, Object input, int attempt, java.util.function.DoubleSupplier random) {
        throw new UnsupportedOperationException("a model needs the expect shape");
    }

    @Override
    public Object decide(Request r) {
        long[] s = spent.computeIfAbsent(r.ai(), k -> new long[2]);
        String over = AnswerLog.overBudget(r, s);
        if (over != null) return new NoAnswer(over);
        Object prepared = OpenAiProvider.prepare(r);
        if (prepared instanceof NoAnswer none) return none;
        OpenAiProvider.Prepared p = (OpenAiProvider.Prepared) prepared;
        Object answer = OpenAiProvider.interpret(p, ask.ask(p));
        s[0]++;
        if (answer instanceof AnswerLog.Metered m) {
            s[1] += m.tokens();
            return m.answer();
        }
        return answer;
    }
}
