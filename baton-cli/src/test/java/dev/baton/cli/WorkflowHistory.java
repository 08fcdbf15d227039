package dev.baton.cli;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;

import java.util.List;

/** Reads a workflow's history from a Temporal frontend, for tests that check what a killed worker got done. */
final class WorkflowHistory implements AutoCloseable {
    private final WorkflowServiceStubs service;
    private final WorkflowClient client;

    WorkflowHistory(String target) {
        service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
        client = WorkflowClient.newInstance(service);
    }

    /** The id of a program's run on the Temporal engine (seed {@code seed}, no parameters, no faults). */
    static String runId(String file, String source, long seed, String target) throws Exception {
        return runId(file, source, seed, java.util.Map.of(), target);
    }

    /** The same, for a run given parameters ({@code --name value}). */
    static String runId(String file, String source, long seed, java.util.Map<String, String> params, String target) throws Exception {
        var plan = dev.baton.runtime.internal.compile.Compiler.compile(dev.baton.lang.Baton.check(file, source), params);
        return new dev.baton.temporal.TemporalEngine(plan, params, dev.baton.runtime.EngineOptions.defaults().withSeed(seed), target,
                "default", false).workflowId();
    }

    /** Its events (none while it does not exist yet). */
    List<HistoryEvent> events(String workflowId) {
        try {
            return client.fetchHistory(workflowId).getHistory().getEventsList();
        } catch (RuntimeException notStartedYet) {
            return List.of();
        }
    }

    /** The run's {@code $count} as its live worker answers the {@code globals} query (0 while it cannot answer). */
    long appliedCount(String workflowId) {
        try {
            String json = client.newWorkflowStub(dev.baton.temporal.BatonRunWorkflow.class, workflowId).globals();
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("globals").path("count").asLong();
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException notYet) {
            return 0;
        }
    }

    long count(String workflowId, EventType type) {
        return events(workflowId).stream().filter(e -> e.getEventType() == type).count();
    }

    @Override
    public void close() {
        service.shutdownNow();
    }
}
