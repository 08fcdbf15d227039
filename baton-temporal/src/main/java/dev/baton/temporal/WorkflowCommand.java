package dev.baton.temporal;

/**
 * Starts or cancels one of the program's workflows inside a run, sent as the update
 * {@code command}: {@code kind} {@code start} (workflow, id or null, args as a JSON object) or
 * {@code cancel} (id). Plain fields for the JSON payload converter.
 */
public final class WorkflowCommand {
    public String kind;
    public String workflow;
    public String id;
    public String args;

    public WorkflowCommand() {
    }

    public static WorkflowCommand start(String workflow, String id, String argsJson) {
        WorkflowCommand c = new WorkflowCommand();
        c.kind = "start";
        c.workflow = workflow;
        c.id = id;
        c.args = argsJson;
        return c;
    }

    public static WorkflowCommand cancel(String id) {
        WorkflowCommand c = new WorkflowCommand();
        c.kind = "cancel";
        c.id = id;
        return c;
    }
}
