package dev.baton.cli;

import dev.baton.lang.SourceFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Resolves command-line paths to source files: files as given, directories searched for *.baton, '-' for stdin. */
final class Inputs {
    /** A path that could not be read, with a message for the user. */
    static final class InputException extends Exception {
        InputException(String message) {
            super(message, null, false, false);
        }
    }

    /** A file to work on: where it came from, and its text. */
    record Input(Path path, SourceFile source) {
        boolean isStdin() {
            return path.toString().equals("-");
        }
    }

    /** The readable inputs, and whether any could not be read (already reported). */
    record Loaded(List<Input> inputs, boolean unreadable) {
    }

    private Inputs() {
    }

    /**
     * Expands the arguments and reads every file, reporting each unreadable one on
     * {@code err} as {@code baton COMMAND: message}. Returns null (after reporting) when the
     * arguments name nothing readable at all.
     */
    static Loaded load(List<String> args, InputStream stdin, java.io.PrintWriter err, String command) {
        List<Path> paths;
        try {
            paths = expand(args);
        } catch (InputException e) {
            err.println("baton " + command + ": " + e.getMessage());
            return null;
        }
        List<Input> inputs = new ArrayList<>();
        boolean unreadable = false;
        for (Path p : paths) {
            try {
                inputs.add(new Input(p, read(p, stdin)));
            } catch (InputException e) {
                err.println("baton " + command + ": " + e.getMessage());
                unreadable = true;
            }
        }
        return new Loaded(inputs, unreadable);
    }

    static List<Path> expand(List<String> args) throws InputException {
        List<Path> out = new ArrayList<>();
        for (String a : args) {
            if (a.equals("-")) {
                out.add(Path.of("-"));
                continue;
            }
            Path p = Path.of(a);
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    List<Path> found = walk.filter(f -> f.toString().endsWith(".baton") && Files.isRegularFile(f)).sorted().toList();
                    if (found.isEmpty()) throw new InputException(a + ": no .baton files in this directory");
                    out.addAll(found);
                } catch (IOException e) {
                    throw new InputException(a + ": cannot list directory (" + e.getMessage() + ")");
                }
            } else if (!Files.exists(p)) {
                throw new InputException(a + ": no such file");
            } else {
                out.add(p);
            }
        }
        return out;
    }

    static SourceFile read(Path p, InputStream stdin) throws InputException {
        try {
            if (p.toString().equals("-")) return SourceFile.ofBytes("<stdin>", stdin.readAllBytes());
            return SourceFile.read(p);
        } catch (NoSuchFileException e) {
            throw new InputException(p + ": no such file");
        } catch (IOException e) {
            throw new InputException(p + ": cannot read (" + e.getMessage() + ")");
        } catch (OutOfMemoryError e) {
            throw new InputException(p + ": too large to read");
        }
    }
}
