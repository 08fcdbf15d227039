package dev.baton.bench;

import dev.dbos.transact.DBOS;
import dev.dbos.transact.StartWorkflowOptions;
import dev.dbos.transact.config.DBOSConfig;
import dev.dbos.transact.workflow.Workflow;
import dev.dbos.transact.workflow.WorkflowHandle;

import java.util.ArrayList;
import java.util.List;

/**
 * The saga benchmark's three-step saga (reserve → charge → ship, compensations on failure) on
 * DBOS Transact for Java: a workflow whose steps are checkpointed in PostgreSQL, which a user
 * would pick instead of Baton for durable execution in a JVM service. The database is a local
 * server that {@code bench/run saga} starts (fsync on, the server's defaults).
 */
final class DbosSaga {
    private DbosSaga() {
    }

    public interface Checkout {
        String run(int id);
    }

    public static final class CheckoutImpl implements Checkout {
        private DBOS dbos;

        @Override
        @Workflow(name = "checkout")
        public String run(int id) {
            List<Runnable> compensations = new ArrayList<>();
            try {
                dbos.runStep(() -> reserve(id), "reserve");
                compensations.add(() -> dbos.runStep(() -> release(id), "release"));
                dbos.runStep(() -> charge(id), "charge");
                compensations.add(() -> dbos.runStep(() -> refund(id), "refund"));
                dbos.runStep(() -> ship(id), "ship");
                return "completed";
            } catch (RuntimeException e) {
                for (int i = compensations.size() - 1; i >= 0; i--) compensations.get(i).run();
                return "compensated";
            }
        }

        private static void reserve(int id) {
        }

        private static void release(int id) {
        }

        private static void charge(int id) {
        }

        private static void refund(int id) {
        }

        private static void ship(int id) {
        }
    }

    /** Sagas per second for {@code n} sagas started at once (after {@code warm} more), on the database at {@code jdbcUrl}. */
    static double run(String jdbcUrl, int n, int warm) throws Exception {
        DBOSConfig config = DBOSConfig.defaults("baton-saga-bench").withDatabaseUrl(jdbcUrl).withDbUser("postgres").withDbPassword("")
                .withAdminServer(false);
        try (DBOS dbos = new DBOS(config)) {
            CheckoutImpl impl = new CheckoutImpl();
            impl.dbos = dbos;
            Checkout proxy = dbos.registerProxy(Checkout.class, impl);
            dbos.launch();
            runAll(dbos, proxy, "warm", warm);
            long t0 = System.nanoTime();
            runAll(dbos, proxy, "c", n);
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static void runAll(DBOS dbos, Checkout proxy, String prefix, int n) throws Exception {
        List<WorkflowHandle<String, RuntimeException>> handles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int id = i;
            handles.add(dbos.startWorkflow(() -> proxy.run(id), new StartWorkflowOptions(prefix + "-" + System.nanoTime() + "-" + i)));
        }
        for (WorkflowHandle<String, RuntimeException> h : handles) {
            if (!"completed".equals(h.getResult())) throw new IllegalStateException("a DBOS saga did not complete: " + h.workflowId());
        }
    }
}
