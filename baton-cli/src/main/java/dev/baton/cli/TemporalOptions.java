package dev.baton.cli;

import dev.baton.temporal.TemporalTls;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where the Temporal frontend is and how to reach it (a picocli mixin of {@code run}, {@code call} and {@code worker}). */
final class TemporalOptions {
    /** The environment variable an API key is read from (never a flag: command lines are visible to every user of a machine). */
    static final String API_KEY_ENV = "TEMPORAL_API_KEY";

    @Option(names = "--temporal", defaultValue = "127.0.0.1:7233", paramLabel = "HOST:PORT",
            description = "The Temporal frontend (default: ${DEFAULT-VALUE}; ./baton up starts one).")
    String target;

    @Option(names = "--namespace", defaultValue = "default", paramLabel = "NAME", description = "Temporal namespace (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--temporal-task-queue", defaultValue = dev.baton.temporal.TemporalEngine.TASK_QUEUE, paramLabel = "NAME",
            description = "The task queue of the run's workflow and worker (default: ${DEFAULT-VALUE}); keeps environments apart on one cluster.")
    String taskQueue;

    @Option(names = "--temporal-tls", description = {"Reach Temporal over TLS, trusting the system's certificate authorities",
            "(implied by --temporal-ca and --temporal-cert). An API key in $" + API_KEY_ENV + " is sent with every call."})
    boolean tls;

    @Option(names = "--temporal-ca", paramLabel = "PEM", description = "Trust only these certificate authorities (PEM) for Temporal's certificate.")
    Path ca;

    @Option(names = "--temporal-cert", paramLabel = "PEM", description = "Client certificate for mutual TLS (PEM; with --temporal-key).")
    Path cert;

    @Option(names = "--temporal-key", paramLabel = "PEM", description = "The client certificate's private key (PKCS#8 PEM).")
    Path key;

    /** Null when the address is fine, else what is wrong with it. */
    String addressProblem() {
        return target.matches("[^:/\\s]+:\\d{1,5}") ? null : "--temporal '" + target + "' is not HOST:PORT";
    }

    /**
     * The connection's TLS settings, once the address and the TLS flags are checked; a problem is
     * said on {@code err} ({@code baton COMMAND: …}) and is a usage error.
     */
    TemporalTls checked(java.io.PrintWriter err, String command) throws Programs.Failed {
        String problem = addressProblem();
        if (problem == null) {
            try {
                return tls();
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
        }
        err.println("baton " + command + ": " + problem);
        throw new Programs.Failed(ExitCode.USAGE);
    }

    /** @throws IllegalArgumentException for a certificate without its key (or the reverse) */
    TemporalTls tls() {
        return new TemporalTls(tls, ca, cert, key, System.getenv(API_KEY_ENV));
    }
}
