package dev.baton.lang.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * "Did you mean" suggestions.
 *
 * <p>Two names are compared after normalising (lower case, no {@code $} or {@code _}), by
 * optimal-string-alignment distance, and also by words: {@code GlobalState} is close to
 * {@code $global_boss_state} because both of its words ({@code global}, {@code state}) occur
 * in it, in order, even though their edit distance is 4.
 */
public final class Suggest {
    private Suggest() {
    }

    /** The closest candidate, or null when none is close enough to be a plausible typo. */
    public static String closest(String word, Collection<String> candidates) {
        String best = null;
        int bestScore = Integer.MAX_VALUE;
        String nw = normalize(word);
        for (String c : candidates) {
            if (c.equals(word)) continue;
            int score = score(word, nw, c);
            if (score < bestScore || score == bestScore && best != null && c.length() < best.length()) {
                bestScore = score;
                best = c;
            }
        }
        return bestScore == Integer.MAX_VALUE ? null : best;
    }

    /** A keyword the word is probably meant to be: same letters in another case, or one typo in a long word. */
    public static String keyword(String word, Collection<String> keywords) {
        String nw = normalize(word);
        String best = null;
        for (String k : keywords) {
            if (k.equals(word)) continue;
            int d = distance(nw, normalize(k));
            if (d == 0) return k;
            if (d == 1 && nw.length() >= 4 && best == null) best = k;
        }
        return best;
    }

    /** Lower is closer; {@code Integer.MAX_VALUE} when too far. */
    private static int score(String word, String nw, String candidate) {
        String nc = normalize(candidate);
        if (nw.isEmpty() || nc.isEmpty()) return Integer.MAX_VALUE;
        if (nw.equals(nc)) return 0;
        int d = distance(nw, nc);
        int limit = Math.max(1, Math.max(nw.length(), nc.length()) / 3);
        if (Math.min(nw.length(), nc.length()) <= 3) limit = 1;
        if (d <= limit) return d * 2;
        if (wordsContained(words(word), words(candidate))) return 2 * limit + 1;
        String shorter = nw.length() <= nc.length() ? nw : nc;
        String longer = shorter == nw ? nc : nw;
        if (shorter.length() >= 3 && (longer.startsWith(shorter) || isAbbreviation(shorter, longer))) {
            return 2 * limit + 2 + (longer.length() - shorter.length());
        }
        return Integer.MAX_VALUE;
    }

    static String normalize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '$' && c != '_') b.append(Character.toLowerCase(c));
        }
        return b.toString();
    }

    /** Splits {@code GlobalState} and {@code global_boss_state} into lower-case words. */
    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean boundary = c == '_' || c == '$' || c == '.';
            boolean camel = Character.isUpperCase(c) && i > 0 && Character.isLowerCase(s.charAt(i - 1));
            if (boundary || camel) {
                if (cur.length() > 0) out.add(cur.toString().toLowerCase(Locale.ROOT));
                cur.setLength(0);
                if (boundary) continue;
            }
            cur.append(c);
        }
        if (cur.length() > 0) out.add(cur.toString().toLowerCase(Locale.ROOT));
        return out;
    }

    /** {@code dmg} abbreviates {@code damage}: same first letter, the rest in order. */
    private static boolean isAbbreviation(String shortForm, String longForm) {
        if (shortForm.charAt(0) != longForm.charAt(0)) return false;
        int j = 1;
        for (int i = 1; i < shortForm.length(); i++) {
            j = longForm.indexOf(shortForm.charAt(i), j);
            if (j < 0) return false;
            j++;
        }
        return true;
    }

    private static boolean wordsContained(List<String> small, List<String> big) {
        if (small.size() < 2 || small.size() > big.size()) return false;
        int j = 0;
        for (String w : small) {
            while (j < big.size() && !big.get(j).equals(w)) j++;
            if (j == big.size()) return false;
            j++;
        }
        return true;
    }

    /** Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions). */
    public static int distance(String a, String b) {
        int n = a.length();
        int m = b.length();
        if (Math.abs(n - m) > 8) return Math.abs(n - m);
        int[][] d = new int[n + 1][m + 1];
        for (int i = 0; i <= n; i++) d[i][0] = i;
        for (int j = 0; j <= m; j++) d[0][j] = j;
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[n][m];
    }
}
