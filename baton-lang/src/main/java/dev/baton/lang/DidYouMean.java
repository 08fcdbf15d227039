package dev.baton.lang;

import dev.baton.lang.internal.Suggest;

import java.util.Collection;

/** "Did you mean …?" for names given outside a program (flags, fault lists, routes), as the checker suggests inside one. */
public final class DidYouMean {
    private DidYouMean() {
    }

    /** The candidate {@code word} is probably a typo of, or null when none is close. */
    public static String closest(String word, Collection<String> candidates) {
        return Suggest.closest(word, candidates);
    }

    /** {@code "; did you mean 'X'?"}, or "" when nothing is close. */
    public static String hint(String word, Collection<String> candidates) {
        String c = closest(word, candidates);
        return c == null ? "" : "; did you mean '" + c + "'?";
    }
}
