package dev.baton.stack;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Runs a server's main class in a child JVM that dies with its parent:
 * {@code java -cp … dev.baton.stack.ChildMain PARENT_PID MAIN_CLASS ARGS…}. A thread watches the
 * parent process; when it is gone — stopped, crashed, or killed with {@code kill -9}, when no
 * shutdown hook of the parent runs — this JVM exits (its own shutdown hooks run: Kafka closes
 * its logs). So a server started by {@code baton up} or by a test never outlives what started it.
 */
public final class ChildMain {
    private ChildMain() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length < 2) {
            System.err.println("usage: ChildMain PARENT_PID MAIN_CLASS [ARGS…]");
            System.exit(2);
        }
        long parent = Long.parseLong(args[0]);
        ProcessHandle.of(parent).ifPresentOrElse(h -> h.onExit().thenRun(ChildMain::orphaned), ChildMain::orphaned);
        Method main = Class.forName(args[1]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void orphaned() {
        System.err.println("the process that started this server is gone: stopping");
        System.exit(143);
    }

    /** The command line that runs {@code mainClass} with {@code args} in a child JVM watching this one. */
    static java.util.List<String> command(java.util.List<String> jvmOptions, String mainClass, String... args) {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ChildMain.class.getName());
        cmd.add(Long.toString(ProcessHandle.current().pid()));
        cmd.add(mainClass);
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }
}
