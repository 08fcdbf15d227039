package dev.baton.bench;

import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Inbox;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.journal.Durability;
import dev.baton.runtime.plan.Plan;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ActivityFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Three-step durable sagas (reserve → charge → ship, with compensations) completed per
 * second, on the embedded engine and — in the same run — on Temporal's in-process test
 * server. On the embedded engine every order arrives as an external event and is journaled
 * and fsynced (group commit, one sync per batch) before it is applied; everything after
 * that is a deterministic function of the journal. A third figure in the same run: the same saga
 * on DBOS Transact for Java over a local PostgreSQL ({@link DbosSaga}).
 */
public final class SagaBench {
    static final String PROGRAM = """
            Event Order.Placed { id: Int }
            $done = 0
            Module Stock [instances: 8] {
                $reserved: Map<Int> = {}
                Reserve(id: Int) /execute {
                    $reserved[str(id)] = 1
                }
                Release(id: Int) /execute {
                    $reserved[str(id)] = none
                }
            }
            Module Pay [instances: 8] {
                $charged = 0
                Charge(id: Int) /execute {
                    $charged += 1
                }
                Refund(id: Int) /execute {
                    $charged -= 1
                }
            }
            Module Ship [instances: 8] {
                $shipped = 0
                Send(id: Int) /execute {
                    $shipped += 1
                }
            }
            Module Orders {
                ON (Order.Placed) {
                    Start Checkout { id: {id} } [id: "c" + str({id})]
                }
            }
            Workflow Checkout(id: Int) {
                let k = id % 8
                Saga {
                    Step Reserve {
                        Call Stock[k].Reserve { id: id }
                    } Compensate {
                        Call Stock[k].Release { id: id }
                    }
                    Step Charge {
                        Call Pay[k].Charge { id: id }
                    } Compensate {
                        Call Pay[k].Refund { id: id }
                    }
                    Step Deliver {
                        Call Ship[k].Send { id: id }
                    }
                } -> outcome
                $done += 1
            }
            """;

    private SagaBench() {
    }

    public static void main(String[] args) throws Exception {
        int embeddedCount = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int temporalCount = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        int batch = 1000;
        System.out.printf("Three-step durable sagas (%s)%n%n", Bench.machine());
        Plan plan = Bench.plan("sagas.baton", PROGRAM);
        embedded(plan, 20_000, batch); // warm-up
        double[] e = embedded(plan, embeddedCount, batch);
        System.out.printf("embedded: %,d sagas in %.2fs = %,.0f sagas/s, %,d fsyncs (%d orders per group commit)%n",
                embeddedCount, e[1], e[0], (long) e[2], batch);
        double t = temporal(temporalCount);
        System.out.printf("temporal in-process test server: %,d sagas = %,.0f sagas/s%n", temporalCount, t);
        String pg = System.getenv("BATON_BENCH_PG");
        double dbos = pg == null || pg.isBlank() ? -1 : DbosSaga.run(pg, temporalCount, 50);
        if (dbos > 0) {
            System.out.printf("DBOS Transact for Java over PostgreSQL: %,d sagas = %,.0f sagas/s%n", temporalCount, dbos);
        } else {
            System.out.println("DBOS Transact for Java: not run (bench/run saga starts a local PostgreSQL when initdb is installed; or set BATON_BENCH_PG to a JDBC URL)");
        }
        System.out.printf("%nembedded / temporal: %.0fx", e[0] / t);
        if (dbos > 0) System.out.printf("   embedded / DBOS: %.0fx", e[0] / dbos);
        System.out.printf(" (target: >= 20,000 sagas/s on the embedded engine)%n");
    }

    /** Returns {sagas per second, seconds, fsyncs}. */
    static double[] embedded(Plan plan, int n, int batch) throws Exception {
        Path dir = Files.createTempDirectory("saga-bench");
        try {
            EngineOptions opts = EngineOptions.defaults();
            Durability d = Durability.open(dir, plan, opts);
            Core core = new Core(plan, 1, opts.faults(), opts.decisions());
            core.start();
            long t0 = System.nanoTime();
            int next = 0;
            long syncs = 0;
            while (core.stats().workflowsCompleted < n) {
                if (next < n) {
                    List<Inbox.Item> items = new ArrayList<>(batch);
                    for (int i = 0; i < batch && next < n; i++, next++) items.add(new Inbox.Item(next + 1, "Order.Placed", "{\"id\": " + next + "}"));
                    d.acceptInbox(core, new OneBatch(items));
                    syncs++;
                }
                core.runUntil(core.now() + 1);
            }
            double sec = (System.nanoTime() - t0) / 1e9;
            if (core.stats().workflowsFailed > 0 || core.stats().errors > 0) throw new IllegalStateException("sagas failed");
            d.close();
            return new double[] {n / sec, sec, syncs};
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    record OneBatch(List<Inbox.Item> items) implements Inbox {
        @Override
        public List<Item> poll() {
            return items;
        }

        @Override
        public boolean closed() {
            return false;
        }

        @Override
        public void acknowledge(long seq, String rejection) {
            if (rejection != null) throw new IllegalStateException(rejection);
        }
    }

    // ------------------------------------------------------------------ the same saga on Temporal

    @WorkflowInterface
    public interface Checkout {
        @WorkflowMethod
        String run(int id);
    }

    @ActivityInterface
    public interface Steps {
        void reserve(int id);

        void release(int id);

        void charge(int id);

        void refund(int id);

        void ship(int id);
    }

    public static final class CheckoutImpl implements Checkout {
        private final Steps steps = Workflow.newActivityStub(Steps.class,
                ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());

        @Override
        public String run(int id) {
            Saga saga = new Saga(new Saga.Options.Builder().build());
            try {
                steps.reserve(id);
                saga.addCompensation(steps::release, id);
                steps.charge(id);
                saga.addCompensation(steps::refund, id);
                steps.ship(id);
                return "completed";
            } catch (ActivityFailure e) {
                saga.compensate();
                return "compensated";
            }
        }
    }

    public static final class StepsImpl implements Steps {
        @Override
        public void reserve(int id) {
        }

        @Override
        public void release(int id) {
        }

        @Override
        public void charge(int id) {
        }

        @Override
        public void refund(int id) {
        }

        @Override
        public void ship(int id) {
        }
    }

    static double temporal(int n) {
        TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
        try {
            Worker worker = env.newWorker("checkout");
            worker.registerWorkflowImplementationTypes(CheckoutImpl.class);
            worker.registerActivitiesImplementations(new StepsImpl());
            env.start();
            WorkflowClient client = env.getWorkflowClient();
            warmTemporal(client, 50);
            long t0 = System.nanoTime();
            List<WorkflowStub> stubs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Checkout wf = client.newWorkflowStub(Checkout.class, WorkflowOptions.newBuilder().setTaskQueue("checkout").setWorkflowId("c" + i).build());
                WorkflowClient.start(wf::run, i);
                stubs.add(WorkflowStub.fromTyped(wf));
            }
            for (WorkflowStub s : stubs) s.getResult(String.class);
            return n / ((System.nanoTime() - t0) / 1e9);
        } finally {
            env.close();
        }
    }

    private static void warmTemporal(WorkflowClient client, int n) {
        List<WorkflowStub> stubs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Checkout wf = client.newWorkflowStub(Checkout.class, WorkflowOptions.newBuilder().setTaskQueue("checkout").setWorkflowId("warm" + i).build());
            WorkflowClient.start(wf::run, i);
            stubs.add(WorkflowStub.fromTyped(wf));
        }
        for (WorkflowStub s : stubs) s.getResult(String.class);
    }
}
