package dev.baton.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;
import org.pcollections.PVector;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts between Baton values and JSON (reports, external events, AI answers). */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** A Baton value as plain Java for JSON: maps, lists, numbers, strings, booleans, null; durations as text. */
    public static Object toPlain(Object v) {
        if (v == null || v == None.NONE) return null;
        if (v instanceof dev.baton.runtime.value.StateMap s) v = s.freeze();
        if (v instanceof Duration d) return Values.duration(d);
        if (v instanceof PVector<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) out.add(toPlain(o));
            return out;
        }
        if (v instanceof PSortedMap<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : Values.map(m).entrySet()) out.put(e.getKey(), toPlain(e.getValue()));
            return out;
        }
        if (v instanceof Double d && (d.isNaN() || d.isInfinite())) return String.valueOf(d);
        return v;
    }

    /** Parses JSON text into a Baton value; throws {@link ValueError} with the parser's message. */
    public static Object parse(String json) {
        try {
            return fromNode(MAPPER.readTree(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ValueError("invalid JSON: " + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr());
        }
    }

    public static Object fromNode(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return None.NONE;
        if (n.isIntegralNumber()) {
            if (!n.canConvertToLong()) throw new ValueError("integer " + n.asText() + " does not fit in 64 bits");
            return n.longValue();
        }
        if (n.isNumber()) return n.doubleValue();
        if (n.isBoolean()) return n.booleanValue();
        if (n.isTextual()) return n.textValue();
        if (n.isArray()) {
            List<Object> out = new ArrayList<>(n.size());
            for (JsonNode c : n) out.add(fromNode(c));
            return TreePVector.from(out);
        }
        PSortedMap<String, Object> out = TreePMap.empty();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Object v = fromNode(e.getValue());
            if (v != None.NONE) out = out.plus(e.getKey(), v);
        }
        return out;
    }

    public static String write(Object plain) {
        try {
            return MAPPER.writeValueAsString(plain);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
