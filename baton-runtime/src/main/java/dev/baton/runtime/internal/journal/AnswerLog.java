package dev.baton.runtime.internal.journal;

import dev.baton.runtime.DecisionProvider;
import dev.baton.runtime.Json;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's answers as effects: every attempt of an {@code Ask} answered by a provider that is
 * not {@link DecisionProvider#deterministic() deterministic} is written to {@code answers.log}
 * and synced <em>before</em> the engine sees it; a replay (after a restore, after {@code kill -9})
 * takes the recorded answer and never asks again. A deterministic provider (the offline policy)
 * is passed through: a replay recomputes its answers.
 *
 * <h2>Budgets</h2>
 * Per AI and per run, from its options: {@code max_calls} (attempts answered by the model) and
 * {@code token_budget} (tokens the model reported using). They count recorded answers too, so a
 * resumed run cannot spend a budget twice; once spent, an attempt gets a {@link
 * DecisionProvider.NoAnswer} saying so (journaled like an answer) and the {@code Ask} goes on to
 * its retries and its {@code otherwise}.
 *
 * <h2>Decisions</h2>
 * Every {@code Ask} that settles, whoever answered it, is kept too: its input, each attempt and why
 * it was rejected, and the value taken ({@link #settled}). These records let the report and {@code
 * baton history --asks} list each decision; they are derived from the run, so they are appended
 * without a sync of their own (made durable before each snapshot) and a replay that settles an Ask
 * again does not record it twice.
 *
 * <p>Records are keyed by the scope (the run, or a workflow that runs apart in its own core), the
 * attempt's ordinal in it, the AI and the attempt number: what a deterministic engine asks again
 * in the same order on a replay.
 */
public final class AnswerLog implements DecisionProvider, Closeable {
    /** A model's answer with what it cost; providers return it, the log unwraps it. */
    public record Metered(Object answer, long tokens) {
    }

    /** One recorded attempt, for reports and {@code baton history}. */
    public record Attempt(String scope, long ordinal, String ai, int attempt, Object input, Object answer, String noAnswer, long tokens,
                          List<String> rejected) {
    }

    private final DecisionProvider inner;
    private final FileJournal journal;
    private final Map<String, Attempt> recorded = new HashMap<>();
    private final List<Attempt> attempts = new ArrayList<>();
    private final Map<String, long[]> spent = new HashMap<>();
    /** Settled Asks by scope and first ordinal, oldest first; the newest {@link #MAX_ASKS_KEPT} are kept in memory, all in the file. */
    private final LinkedHashMap<String, Asked> asks = new LinkedHashMap<>();
    private long asksDropped;
    static final int MAX_ASKS_KEPT = 100_000;
    /** Ask records appended since the last {@link #sync}. */
    private boolean unsynced;
    /** Answers taken from the log instead of the provider since this was opened. */
    public long replayed;
    /** Attempts the provider answered because the log had none for them (a replay that went elsewhere). */
    public long asked;

    private AnswerLog(DecisionProvider inner, FileJournal journal) {
        this.inner = inner;
        this.journal = journal;
    }

    /** A log kept in memory only (a run without a data directory): budgets, no durability. */
    public static AnswerLog inMemory(DecisionProvider inner) {
        return new AnswerLog(inner, null);
    }

    /** Opens (creating if needed) {@code file} and reads what it holds. */
    public static AnswerLog open(Path file, DecisionProvider inner) throws IOException {
        AnswerLog log = new AnswerLog(inner, new FileJournal(file));
        log.read(log.journal, file);
        return log;
    }

    /**
     * The answers a run recorded in {@code file}, to answer the same attempts again elsewhere
     * ({@code baton sim --answers}): read only — the file is not changed, and an attempt it has no
     * answer for is asked of {@code inner} and kept in memory.
     */
    public static AnswerLog replaying(Path file, DecisionProvider inner) throws IOException {
        if (!java.nio.file.Files.isRegularFile(file)) throw new java.nio.file.NoSuchFileException(file.toString(), null, "no answers recorded there");
        AnswerLog log = new AnswerLog(inner, null);
        FileJournal j = new FileJournal(file, true);
        try {
            log.read(j, file);
        } finally {
            j.close();
        }
        return log;
    }

    private void read(FileJournal from, Path file) throws IOException {
        AnswerLog log = this;
        from.forEachFrom(0, e -> {
            Map<?, ?> m;
            try {
                m = (Map<?, ?>) Json.toPlain(Json.parseTrusted(new String(e.data(), StandardCharsets.UTF_8)));
                if (m.get("ask") instanceof Map<?, ?> ask) {
                    log.keep(askFromRecord(ask));
                    return;
                }
            } catch (RuntimeException bad) {
                throw new IOException(file + " holds a record at " + e.position() + " that is not an answer (" + bad.getMessage() + ")");
            }
            log.remember(fromRecord(m));
        });
    }

    @SuppressWarnings("unchecked")
    private static Asked askFromRecord(Map<?, ?> m) {
        List<Try> tries = new ArrayList<>();
        for (Object t : (List<?>) m.get("tries")) {
            Map<?, ?> tm = (Map<?, ?>) t;
            tries.add(new Try(tm.get("answer"), (String) tm.get("none"), tm.get("rejected") instanceof List<?> l ? (List<String>) l : List.of()));
        }
        return new Asked(m.get("scope") instanceof String sc ? sc : "", ((Number) m.get("ordinal")).longValue(), (String) m.get("ai"),
                (String) m.get("at"), (String) m.get("by"), ((Number) m.get("time")).longValue(), m.get("input"), List.copyOf(tries),
                m.get("taken"), Boolean.TRUE.equals(m.get("fallback")));
    }

    private static Map<String, Object> askRecord(Asked a) {
        Map<String, Object> rec = new LinkedHashMap<>();
        if (!a.scope().isEmpty()) rec.put("scope", a.scope());
        rec.put("ordinal", a.ordinal());
        rec.put("ai", a.ai());
        rec.put("at", a.at());
        rec.put("by", a.by());
        rec.put("time", a.time());
        rec.put("input", a.input());
        List<Map<String, Object>> tries = new ArrayList<>();
        for (Try t : a.tries()) {
            Map<String, Object> tm = new LinkedHashMap<>();
            if (t.none() != null) tm.put("none", t.none());
            else tm.put("answer", t.answer());
            tm.put("rejected", t.rejected());
            tries.add(tm);
        }
        rec.put("tries", tries);
        rec.put("taken", a.taken());
        rec.put("fallback", a.fallback());
        return rec;
    }

    /** An {@code Ask} as a plain map (for reports): the fields of {@link Asked}, the scope only when there is one. */
    public static Map<String, Object> plain(Asked a) {
        return askRecord(a);
    }

    /** Keeps a settled Ask once (a replay settles the same Asks again); true when it is new. */
    private boolean keep(Asked a) {
        if (asks.putIfAbsent(a.scope() + "\u0000" + a.ordinal(), a) != null) return false;
        if (asks.size() > MAX_ASKS_KEPT) {
            var it = asks.entrySet().iterator();
            it.next();
            it.remove();
            asksDropped++;
        }
        return true;
    }

    private static Attempt fromRecord(Map<?, ?> m) {
        Object answer = m.get("answer");
        @SuppressWarnings("unchecked")
        List<String> rejected = m.get("rejected") instanceof List<?> l ? (List<String>) l : List.of();
        return new Attempt(m.get("scope") instanceof String sc ? sc : "", ((Number) m.get("ordinal")).longValue(), (String) m.get("ai"), ((Number) m.get("attempt")).intValue(),
                m.get("input"), answer, (String) m.get("none"), m.get("tokens") instanceof Number n ? n.longValue() : 0, rejected);
    }

    private void remember(Attempt a) {
        recorded.put(key(a.scope(), a.ordinal(), a.ai(), a.attempt()), a);
        attempts.add(a);
        long[] s = spent.computeIfAbsent(a.ai(), k -> new long[2]);
        if (a.noAnswer() == null || !a.noAnswer().startsWith(BUDGET)) s[0]++;
        s[1] += a.tokens();
    }

    private static final String BUDGET = "budget spent";

    private static String key(String scope, long ordinal, String ai, int attempt) {
        return scope + "\u0000" + ordinal + "/" + ai + "/" + attempt;
    }

    @Override
    public Object decide(String provider, Map<String, Object> config, Object input, int attempt, java.util.function.DoubleSupplier random) {
        return inner.decide(provider, config, input, attempt, random);
    }

    @Override
    public Object decide(Request r) {
        // what is recorded wins, whoever asks now (a tool restoring the run with the offline policy included)
        Attempt have = recorded.isEmpty() ? null : recorded.get(key(r.scope(), r.ordinal(), r.ai(), r.attempt()));
        if (have != null) {
            replayed++;
            return have.noAnswer() != null ? new NoAnswer(have.noAnswer()) : Json.parseTrusted(Json.write(have.answer()));
        }
        if (!recorded.isEmpty()) asked++;
        if (inner.deterministic(r)) return inner.decide(r);
        Object answer;
        long tokens = 0;
        String spentWhy = overBudget(r);
        if (spentWhy != null) {
            answer = new NoAnswer(spentWhy);
        } else {
            answer = inner.decide(r);
            if (answer instanceof Metered m) {
                tokens = m.tokens();
                answer = m.answer();
            }
        }
        Attempt a = new Attempt(r.scope(), r.ordinal(), r.ai(), r.attempt(), Json.toPlain(r.input()),
                answer instanceof NoAnswer ? null : Json.toPlain(answer), answer instanceof NoAnswer n ? n.why() : null, tokens,
                List.copyOf(r.rejected()));
        if (journal != null) {
            Map<String, Object> rec = new LinkedHashMap<>();
            if (!a.scope().isEmpty()) rec.put("scope", a.scope());
            rec.put("ordinal", a.ordinal());
            rec.put("ai", a.ai());
            rec.put("attempt", a.attempt());
            rec.put("input", a.input());
            if (a.noAnswer() != null) rec.put("none", a.noAnswer());
            else rec.put("answer", a.answer());
            rec.put("tokens", a.tokens());
            rec.put("rejected", a.rejected());
            try {
                journal.append(Json.write(rec).getBytes(StandardCharsets.UTF_8));
                journal.force();
            } catch (IOException e) {
                throw new UncheckedIOException("could not journal an answer of AI " + r.ai() + " (it is not used)", e);
            }
        }
        remember(a);
        // what the engine sees is what a replay will see: the answer as recorded (JSON values)
        return answer instanceof NoAnswer ? answer : Json.parseTrusted(Json.write(a.answer()));
    }

    /** Why this attempt may not be asked (a budget of its AI is spent), or null. */
    private String overBudget(Request r) {
        return overBudget(r, spent.getOrDefault(r.ai(), new long[2]));
    }

    /** Why attempt {@code r} may not be asked when its AI has spent {@code spent} = {calls, tokens} ({@code max_calls}, {@code token_budget}), or null. */
    public static String overBudget(Request r, long[] spent) {
        long maxCalls = longOption(r.config(), "max_calls");
        long maxTokens = longOption(r.config(), "token_budget");
        if (maxCalls >= 0 && spent[0] >= maxCalls) return BUDGET + ": AI " + r.ai() + " has made " + spent[0] + " of its max_calls " + maxCalls;
        if (maxTokens >= 0 && spent[1] >= maxTokens) return BUDGET + ": AI " + r.ai() + " has used " + spent[1] + " of its token_budget " + maxTokens;
        return null;
    }

    private static long longOption(Map<String, Object> config, String name) {
        Object v = config.get(name);
        return v instanceof Number n ? n.longValue() : -1;
    }

    /**
     * Keeps a settled Ask and appends it to the file, without a sync of its own: it is derived from
     * what the run did, so one lost in a crash is settled (and written) again when the run replays
     * past it, and {@link #sync} makes it durable before a snapshot covers it.
     */
    @Override
    public void settled(Asked a) {
        if (!keep(a) || journal == null) return;
        try {
            journal.append(Json.write(Map.of("ask", askRecord(a))).getBytes(StandardCharsets.UTF_8));
            unsynced = true;
        } catch (IOException e) {
            throw new UncheckedIOException("could not record an Ask of AI " + a.ai() + " at " + a.at(), e);
        }
    }

    /** Makes every Ask recorded so far durable (before a snapshot that covers them is written). */
    public void sync() throws IOException {
        if (journal != null && unsynced) {
            journal.force();
            unsynced = false;
        }
    }

    @Override
    public List<Asked> asked() {
        return List.copyOf(asks.values());
    }

    /** How many settled Asks were recorded (kept in memory or not). */
    @Override
    public long askedCount() {
        return asks.size() + asksDropped;
    }

    @Override
    public boolean deterministic(Request r) {
        return inner.deterministic(r);
    }

    /** How many attempts are recorded. */
    public int recorded() {
        return attempts.size();
    }

    /** Every attempt recorded so far, in the order asked. */
    public List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    /** Attempts the model answered (or would have, but for a budget) per AI: calls and tokens. */
    public Map<String, long[]> spent() {
        Map<String, long[]> out = new java.util.TreeMap<>();
        spent.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    @Override
    public void close() throws IOException {
        if (journal != null) journal.close();
    }
}
