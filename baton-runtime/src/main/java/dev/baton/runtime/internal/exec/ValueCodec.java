package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;
import org.pcollections.PVector;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Binary encoding of Baton values (and the engine's message records) for snapshots. */
final class ValueCodec {
    private static final int NULL = 0, NONE = 1, LONG = 2, DOUBLE = 3, STRING = 4, TRUE = 5, FALSE = 6, DURATION = 7,
            LIST = 8, MAP = 9, FAILURE = 10, MSG = 11;

    private ValueCodec() {
    }

    static void write(DataOutputStream out, Object v) throws IOException {
        if (v instanceof dev.baton.runtime.value.StateMap s) {
            // the same bytes as the frozen map's, without freezing it
            out.writeByte(MAP);
            out.writeInt(s.size());
            for (String k : s.sortedKeys()) {
                writeString(out, k);
                write(out, s.get(k));
            }
            return;
        }
        if (v == null) {
            out.writeByte(NULL);
        } else if (v == None.NONE) {
            out.writeByte(NONE);
        } else if (v instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (v instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            writeString(out, s);
        } else if (v instanceof Boolean b) {
            out.writeByte(b ? TRUE : FALSE);
        } else if (v instanceof Duration d) {
            out.writeByte(DURATION);
            out.writeLong(d.toNanos());
        } else if (v instanceof PVector<?> l) {
            out.writeByte(LIST);
            out.writeInt(l.size());
            for (Object o : l) write(out, o);
        } else if (v instanceof PSortedMap<?, ?> m) {
            out.writeByte(MAP);
            out.writeInt(m.size());
            for (Map.Entry<String, Object> e : Values.map(m).entrySet()) {
                writeString(out, e.getKey());
                write(out, e.getValue());
            }
        } else if (v instanceof CallFailure f) {
            out.writeByte(FAILURE);
            writeString(out, f.message());
        } else if (v instanceof Msg m) {
            out.writeByte(MSG);
            out.writeByte(m.kind());
            out.writeInt(m.handler());
            write(out, m.payload());
            write(out, m.caller());
            out.writeLong(m.epoch());
            out.writeLong(m.seq());
            write(out, m.key());
            out.writeLong(m.fiber());
            out.writeLong(m.token());
            write(out, m.fenceKeys());
            out.writeLong(m.fenceToken());
        } else {
            throw new IOException("cannot snapshot a " + v.getClass().getName());
        }
    }

    static Object read(DataInputStream in) throws IOException {
        int tag = in.readByte();
        switch (tag) {
            case NULL:
                return null;
            case NONE:
                return None.NONE;
            case LONG:
                return in.readLong();
            case DOUBLE:
                return in.readDouble();
            case STRING:
                return readString(in);
            case TRUE:
                return Boolean.TRUE;
            case FALSE:
                return Boolean.FALSE;
            case DURATION:
                return Duration.ofNanos(in.readLong());
            case LIST: {
                int n = in.readInt();
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) items.add(read(in));
                return TreePVector.from(items);
            }
            case MAP: {
                int n = in.readInt();
                PSortedMap<String, Object> m = TreePMap.empty();
                for (int i = 0; i < n; i++) {
                    String k = readString(in);
                    m = m.plus(k, read(in));
                }
                return m;
            }
            case FAILURE:
                return new CallFailure(readString(in));
            case MSG: {
                int kind = in.readByte();
                int handler = in.readInt();
                Object payload = read(in);
                String caller = (String) read(in);
                long epoch = in.readLong();
                long seq = in.readLong();
                String key = (String) read(in);
                long fiber = in.readLong();
                long token = in.readLong();
                String fenceKeys = (String) read(in);
                return new Msg(kind, handler, payload, caller, epoch, seq, key, fiber, token, fenceKeys, in.readLong());
            }
            default:
                throw new IOException("corrupt snapshot: unknown value tag " + tag);
        }
    }

    static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 256 * 1024 * 1024) throw new IOException("corrupt snapshot: string of " + n + " bytes");
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw new IOException("corrupt snapshot: truncated");
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }
}
