package dev.baton.temporal;

import dev.baton.runtime.HotStore;
import dev.baton.runtime.PolicyProvider;
import dev.baton.runtime.internal.exec.Hot;
import dev.baton.runtime.plan.Plan;
import io.temporal.failure.ApplicationFailure;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs batches of calls to hot modules against this worker's state store. The hosts of a run
 * (compiled program, each module's record as last read) are kept for the runs this worker served
 * last, so a batch usually costs the store one read of the record's version and one commit.
 */
public final class BatonHotImpl implements BatonHot {
    private static final int RUNS_KEPT = 64;
    private final HotStore store;
    private final Map<String, Hot.Hosts> hosts = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Hot.Hosts> eldest) {
            return size() > RUNS_KEPT;
        }
    };

    public BatonHotImpl(HotStore store) {
        this.store = store;
    }

    @Override
    public java.util.Map<String, byte[]> records(HotBatch b) {
        java.util.Map<String, byte[]> out = new java.util.TreeMap<>();
        for (String m : b.modules) {
            byte[] data = store.readRecord(b.prefix + ":" + m).data();
            if (data != null) out.put(m, data);
        }
        return out;
    }

    @Override
    public byte[] run(HotBatch b) {
        Hot.Hosts h;
        synchronized (hosts) {
            h = hosts.get(b.prefix + "\n" + b.writer);
            if (h == null) {
                Plan plan = BatonRunWorkflowImpl.compile(b.file, b.source, b.params);
                h = new Hot.Hosts(plan, b.seed, new PolicyProvider());
                hosts.put(b.prefix + "\n" + b.writer, h);
            }
        }
        try {
            return h.run(store, b.prefix, b.writer, b.oldest, b.calls);
        } catch (IllegalStateException e) {
            // a record that does not fit the program: retrying cannot help
            throw ApplicationFailure.newNonRetryableFailure(String.valueOf(e.getMessage()), "HotRecordMismatch");
        }
    }
}
