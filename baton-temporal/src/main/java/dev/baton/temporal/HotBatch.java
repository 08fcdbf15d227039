package dev.baton.temporal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A batch of calls to hot modules, for {@link BatonHot}: the program (a worker compiles it once),
 * the run's seed, where the modules' records are ({@code prefix}: {@code PREFIX:MODULE}), who sends
 * the batch ({@code writer}: the run), the lowest batch number the run may still send again, and
 * the calls ({@code Core#hotWaiting}).
 */
public final class HotBatch {
    public String file;
    public String source;
    public Map<String, String> params = new LinkedHashMap<>();
    public long seed;
    public String prefix;
    public String writer;
    public long oldest;
    /** The run's hot modules (for {@link BatonHot#records}). */
    public java.util.List<String> modules = new java.util.ArrayList<>();
    public byte[] calls;

    public HotBatch() {
    }
}
