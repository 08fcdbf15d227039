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

    private Inputs() {
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
