package dev.baton.runtime.value;

import org.junit.jupiter.api.Test;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-place state map against a reference sorted map, over long seeded runs of random puts,
 * removals, growth, freezes and rollbacks — with keys short and long, Latin-1 and not, and
 * values Int and otherwise (the table keeps those in different places).
 */
class StateMapTest {
    private static final String[] SHAPES = {"p%d", "%d", "player-with-a-long-name-%d", "π%d", "p\u0000%d", ""};

    private static String key(SplittableRandom r, int universe) {
        String shape = SHAPES[r.nextInt(SHAPES.length)];
        return shape.isEmpty() ? "" : String.format(shape, r.nextInt(universe));
    }

    private static Object value(SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> "text" + r.nextInt(10);
            case 1 -> r.nextDouble();
            case 2 -> TreePMap.<String, Object>empty().plus("x", (long) r.nextInt(3));
            default -> r.nextLong();
        };
    }

    @Test
    void behavesLikeASortedMapUnderRandomOperations() {
        for (int seed = 0; seed < 40; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int universe = 1 + r.nextInt(seed % 2 == 0 ? 50 : 3000);
            TreeMap<String, Object> model = new TreeMap<>();
            for (int i = 0; i < r.nextInt(20); i++) model.put(key(r, universe), value(r));
            StateMap map = new StateMap(TreePMap.from(model));
            List<Object> undo = new ArrayList<>();
            TreeMap<String, Object> atStart = new TreeMap<>(model);
            for (int op = 0; op < 20_000; op++) {
                int what = r.nextInt(100);
                String k = key(r, universe);
                if (what < 55) {
                    Object v = value(r);
                    Object old = map.put(k, v);
                    assertThat(old).isEqualTo(model.put(k, v));
                    undo.add(map);
                    undo.add(k);
                    undo.add(old);
                } else if (what < 75) {
                    Object old = map.put(k, None.NONE);
                    assertThat(old).isEqualTo(model.remove(k));
                    undo.add(map);
                    undo.add(k);
                    undo.add(old);
                } else if (what < 90) {
                    assertThat(map.get(k)).isEqualTo(model.get(k));
                } else if (what < 95) {
                    assertThat(map.frozenBefore(undo)).isEqualTo(atStart);
                    PSortedMap<String, Object> frozen = map.freeze();
                    assertThat(frozen).isEqualTo(model);
                    assertThat(new ArrayList<>(frozen.keySet())).isEqualTo(new ArrayList<>(model.keySet()));
                } else if (what < 98) {
                    map.undo(undo);
                    undo.clear();
                    model = new TreeMap<>(atStart);
                    assertThat(map.freeze()).isEqualTo(model);
                } else {
                    undo.clear(); // a handler committed
                    atStart = new TreeMap<>(model);
                }
                assertThat(map.size()).isEqualTo(model.size());
            }
            assertThat(map.freeze()).isEqualTo(model);
            for (String k : model.keySet()) assertThat(map.get(k)).isEqualTo(model.get(k));
        }
    }

    @Test
    void aFrozenValueNeverSeesLaterChanges() {
        StateMap map = new StateMap(TreePMap.<String, Object>empty().plus("a", 1L));
        PSortedMap<String, Object> before = map.freeze();
        map.put("a", 2L);
        map.put("b", 3L);
        assertThat(before).isEqualTo(TreePMap.<String, Object>empty().plus("a", 1L));
        assertThat(map.freeze()).isEqualTo(TreePMap.<String, Object>empty().plus("a", 2L).plus("b", 3L));
        assertThat(map.freeze()).isSameAs(map.freeze());
    }

    @Test
    void keysThatDifferOnlyPastTheInlineBytesOrByLengthAreDistinct() {
        StateMap map = new StateMap(TreePMap.empty());
        String[] keys = {"abcdefghijklmnop", "abcdefghijklmnoq", "abcdefghijklmnopq", "a", "a\u0000", "\u0000", ""};
        for (int i = 0; i < keys.length; i++) map.put(keys[i], (long) i);
        for (int i = 0; i < keys.length; i++) assertThat(map.get(keys[i])).isEqualTo((long) i);
        assertThat(map.size()).isEqualTo(keys.length);
    }
}
