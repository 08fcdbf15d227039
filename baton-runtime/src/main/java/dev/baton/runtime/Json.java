package dev.baton.runtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
    /** How deep JSON input may nest (objects and arrays). */
    public static final int MAX_DEPTH = 64;
    /** The longest string in JSON input, in characters. */
    public static final int MAX_STRING = 1 << 20;
    /**
     * What reads JSON that comes from outside (events, answers): strict — one value and nothing
     * after it, no key twice in an object — and bounded in depth, string and number length.
     */
    private static final ObjectMapper STRICT = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxStringLength(MAX_STRING)
                            .maxNumberLength(100).build())
                    .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS) // so that 1e400 is reported as written, not as Infinity
            .build();

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

    /** Parses JSON text into a Baton value; throws {@link ValueError} saying what is wrong and where. */
    public static Object parse(String json) {
        return fromNode(readTree(json));
    }

    /** Parses JSON text the engine wrote itself (journaled payloads, emitted events): no limits beyond Jackson's. */
    public static Object parseTrusted(String json) {
        try {
            return fromNode(MAPPER.readTree(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ValueError("invalid JSON: " + e.getOriginalMessage() + where(e));
        }
    }

    /**
     * Parses JSON text from outside, strictly (see {@link #STRICT}); throws {@link ValueError}
     * saying what is wrong and where: not JSON, something after the value, a key twice, nested
     * too deep, a string or number too long.
     */
    public static JsonNode readTree(String json) {
        try {
            JsonNode n = STRICT.readTree(json);
            if (n == null || n.isMissingNode()) throw new ValueError("no JSON value (the text is empty)");
            return n;
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            String m = String.valueOf(e.getOriginalMessage());
            String why = m.contains("nesting depth") ? "nested deeper than " + MAX_DEPTH + " levels"
                    : m.contains("String value length") ? "a string longer than " + MAX_STRING + " characters"
                    : m.contains("Number value length") ? "a number longer than 100 digits"
                    : m;
            throw new ValueError("invalid JSON: " + why + where(e));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String m = String.valueOf(e.getOriginalMessage());
            String why = m.startsWith("Duplicate field") ? "key " + m.substring(m.indexOf('\'')) + " appears twice in one object"
                    : m.startsWith("Trailing token") ? "something follows the JSON value"
                    : m.replaceAll("\\s*\\n.*", "");
            throw new ValueError("invalid JSON: " + why + where(e));
        }
    }

    private static String where(com.fasterxml.jackson.core.JsonProcessingException e) {
        return e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr()
                + (e.getLocation().getLineNr() > 1 ? " of line " + e.getLocation().getLineNr() : "");
    }

    public static Object fromNode(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return None.NONE;
        if (n.isIntegralNumber()) {
            if (!n.canConvertToLong()) throw new ValueError("integer " + n.asText() + " does not fit in 64 bits");
            return n.longValue();
        }
        if (n.isNumber()) {
            double d = n.doubleValue();
            if (Double.isInfinite(d)) throw new ValueError("number " + n.asText() + " is out of range (beyond a 64-bit float)");
            return d;
        }
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
