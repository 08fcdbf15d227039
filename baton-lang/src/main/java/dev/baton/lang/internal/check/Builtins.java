package dev.baton.lang.internal.check;

import dev.baton.lang.types.Type;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Built-in functions. Time, randomness and ids come from the engine ({@code now()},
 * {@code random()}, {@code uuid()}), never from the JVM, so runs replay and simulate exactly.
 */
public final class Builtins {
    /**
     * @param min     fewest arguments
     * @param max     most arguments ({@code -1}: no limit)
     * @param effect  true when the function changes state ({@code cas}); not allowed in queries
     */
    public record Fn(String name, int min, int max, String signature, boolean effect, Function<List<Type>, Type> result) {
        public String arity() {
            if (min == max) return min + " argument" + (min == 1 ? "" : "s");
            if (max < 0) return "at least " + min + " arguments";
            return min + " to " + max + " arguments";
        }
    }

    private static final Map<String, Fn> ALL = new LinkedHashMap<>();

    private static void fn(String name, int min, int max, String sig, Function<List<Type>, Type> result) {
        ALL.put(name, new Fn(name, min, max, sig, false, result));
    }

    static {
        fn("now", 0, 0, "now() -> Int  (engine time, milliseconds)", a -> Type.INT);
        fn("random", 0, 0, "random() -> Float in [0, 1)  (seeded by the engine)", a -> Type.FLOAT);
        fn("random_int", 2, 2, "random_int(lo: Int, hi: Int) -> Int in [lo, hi]", a -> Type.INT);
        fn("uuid", 0, 0, "uuid() -> String  (deterministic per run and step)", a -> Type.STRING);
        fn("len", 1, 1, "len(x: String | List | Map) -> Int", a -> Type.INT);
        fn("min", 1, -1, "min(a, b, …) or min(list) -> number", Builtins::numericResult);
        fn("max", 1, -1, "max(a, b, …) or max(list) -> number", Builtins::numericResult);
        fn("abs", 1, 1, "abs(x: number) -> number", a -> a.get(0) instanceof Type.Num n ? new Type.Num(n.isFloat(), null, null) : Type.ANY);
        fn("floor", 1, 1, "floor(x: number) -> Int", a -> Type.INT);
        fn("ceil", 1, 1, "ceil(x: number) -> Int", a -> Type.INT);
        fn("round", 1, 1, "round(x: number) -> Int", a -> Type.INT);
        fn("sqrt", 1, 1, "sqrt(x: number) -> Float", a -> Type.FLOAT);
        fn("pow", 2, 2, "pow(x: number, y: number) -> Float", a -> Type.FLOAT);
        fn("str", 1, 1, "str(x) -> String", a -> Type.STRING);
        fn("int", 1, 1, "int(x) -> Int  (fails on text that is not a number)", a -> Type.INT);
        fn("float", 1, 1, "float(x) -> Float", a -> Type.FLOAT);
        fn("keys", 1, 1, "keys(m: Map) -> List<String>", a -> new Type.ListT(Type.STRING));
        fn("values", 1, 1, "values(m: Map) -> List", a -> a.get(0) instanceof Type.MapT m ? new Type.ListT(m.value()) : new Type.ListT(Type.ANY));
        fn("range", 1, 3, "range(n), range(from, to) or range(from, to, step) -> List<Int>", a -> new Type.ListT(Type.INT));
        fn("append", 2, 2, "append(list, x) -> List", a -> a.get(0) instanceof Type.ListT l ? new Type.ListT(Type.join(l.elem(), a.get(1))) : new Type.ListT(Type.ANY));
        fn("contains", 2, 2, "contains(list | map | string, x) -> Bool", a -> Type.BOOL);
        fn("sum", 1, 1, "sum(list) -> number", a -> a.get(0) instanceof Type.ListT l && l.elem() instanceof Type.Num n ? new Type.Num(n.isFloat(), null, null) : Type.ANY);
        fn("sort", 1, 1, "sort(list) -> List", a -> a.get(0) instanceof Type.ListT ? a.get(0) : new Type.ListT(Type.ANY));
        fn("reverse", 1, 1, "reverse(list) -> List", a -> a.get(0) instanceof Type.ListT ? a.get(0) : new Type.ListT(Type.ANY));
        fn("slice", 2, 3, "slice(list, from[, to]) -> List", a -> a.get(0) instanceof Type.ListT ? a.get(0) : new Type.ListT(Type.ANY));
        fn("rank", 1, 1, "rank(m: Map<number>) -> List<String>  (keys, highest value first; ties by key)", a -> new Type.ListT(Type.STRING));
        fn("chunks", 2, 2, "chunks(list, size: Int) -> List<List>", a -> new Type.ListT(a.get(0) instanceof Type.ListT ? a.get(0) : new Type.ListT(Type.ANY)));
        fn("total", 1, 1, "total(x) -> number  (the sum of every number inside x, however nested)", a -> Type.ANY);
        fn("count_keys", 1, 1, "count_keys(list_of_maps) -> Int  (keys counted across the maps, repeats included)", a -> Type.INT);
        fn("distinct_keys", 1, 1, "distinct_keys(list_of_maps) -> Int  (different keys across the maps)", a -> Type.INT);
        fn("discarded", 1, 1, "discarded(Module.$var) -> number  (in a Report: the amount of that state lost in crashes with crash-state=discard)", a -> Type.ANY);
        fn("stat", 1, 1, "stat(name: String) -> number  (an engine counter: events_emitted, events_per_second, decisions, decisions_rejected, workflows_started…)", a -> Type.ANY);
        fn("get", 2, 3, "get(map, key[, default]) -> value or default", a -> a.get(0) instanceof Type.MapT m ? m.value() : Type.ANY);
        fn("is_number", 1, 1, "is_number(x) -> Bool  (false for NaN and infinities)", a -> Type.BOOL);
        fn("type_of", 1, 1, "type_of(x) -> String", a -> Type.STRING);
        fn("hash", 1, 1, "hash(x) -> Int  (stable across runs and engines)", a -> Type.INT);
        fn("ms", 1, 1, "ms(d: Duration) -> Int", a -> Type.INT);
        fn("duration_ms", 1, 1, "duration_ms(n: number) -> Duration", a -> Type.DURATION);
        ALL.put("cas", new Fn("cas", 3, 3, "cas($state.path, expected, new) -> Bool  (atomic compare-and-set)", true, a -> Type.BOOL));
    }

    private Builtins() {
    }

    public static Fn get(String name) {
        return ALL.get(name);
    }

    public static Map<String, Fn> all() {
        return ALL;
    }

    private static Type numericResult(List<Type> args) {
        if (args.size() == 1) {
            return args.get(0) instanceof Type.ListT l && l.elem() instanceof Type.Num n ? new Type.Num(n.isFloat(), null, null) : Type.ANY;
        }
        boolean anyFloat = false;
        for (Type t : args) {
            if (!(t instanceof Type.Num n)) return Type.ANY;
            anyFloat |= n.isFloat();
        }
        return anyFloat ? Type.FLOAT : Type.INT;
    }
}
