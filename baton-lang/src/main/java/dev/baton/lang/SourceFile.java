package dev.baton.lang;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The text of one {@code .baton} file with its line index. Lines and columns are 1-based.
 *
 * <p>Files are read as bytes and decoded strictly: invalid UTF-8 is not an exception but a
 * recorded fact ({@link #invalidUtf8Offset()}), which the front end turns into a diagnostic.
 */
public final class SourceFile {
    private final String name;
    private final String text;
    private final int[] lineStarts;
    private final int invalidUtf8Offset;

    private SourceFile(String name, String text, int invalidUtf8Offset) {
        this.name = name;
        this.text = text;
        this.invalidUtf8Offset = invalidUtf8Offset;
        int count = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') count++;
        }
        int[] starts = new int[count];
        int line = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') starts[line++] = i + 1;
        }
        this.lineStarts = starts;
    }

    public static SourceFile of(String name, String text) {
        return new SourceFile(name, text, -1);
    }

    /** Decodes bytes as UTF-8; malformed sequences become U+FFFD and the first one is remembered. */
    public static SourceFile ofBytes(String name, byte[] bytes) {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return new SourceFile(name, strict.decode(ByteBuffer.wrap(bytes)).toString(), -1);
        } catch (CharacterCodingException e) {
            String lenient = new String(bytes, StandardCharsets.UTF_8);
            return new SourceFile(name, lenient, firstInvalidOffset(bytes));
        }
    }

    public static SourceFile read(Path path) throws IOException {
        return ofBytes(path.toString(), Files.readAllBytes(path));
    }

    /** Offset (in decoded chars) of the first malformed byte sequence. */
    private static int firstInvalidOffset(byte[] bytes) {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        strict.decode(in, out, true);
        return out.position();
    }

    public String name() {
        return name;
    }

    public String text() {
        return text;
    }

    /** Offset of the first invalid UTF-8 sequence, or -1 when the bytes were valid. */
    public int invalidUtf8Offset() {
        return invalidUtf8Offset;
    }

    public int lineCount() {
        return lineStarts.length;
    }

    /** 1-based line of an offset. */
    public int line(int offset) {
        int idx = Arrays.binarySearch(lineStarts, Math.min(Math.max(offset, 0), text.length()));
        return idx >= 0 ? idx + 1 : -idx - 1;
    }

    /** 1-based column of an offset (in UTF-16 chars; a tab counts as one). */
    public int column(int offset) {
        int clamped = Math.min(Math.max(offset, 0), text.length());
        return clamped - lineStarts[line(clamped) - 1] + 1;
    }

    /** The text of a 1-based line without its line terminator. */
    public String lineText(int line) {
        int start = lineStarts[line - 1];
        int end = line < lineStarts.length ? lineStarts[line] - 1 : text.length();
        if (end > start && text.charAt(end - 1) == '\r') end--;
        return text.substring(start, Math.max(start, end));
    }

    public int lineStart(int line) {
        return lineStarts[line - 1];
    }

    public String slice(Span span) {
        return text.substring(span.start(), Math.min(span.end(), text.length()));
    }
}
