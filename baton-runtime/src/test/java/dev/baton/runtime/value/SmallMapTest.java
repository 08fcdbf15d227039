package dev.baton.runtime.value;

import org.junit.jupiter.api.Test;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The array-backed small map against pcollections' tree map, over seeded random updates. */
class SmallMapTest {
    private static final String[] KEYS = {"a", "b", "c", "damage", "player_id", "shard", "x", "y", "z", "zz", "é"};

    @Test
    void isIndistinguishableFromATreeMapWithTheSameEntries() {
        for (int seed = 0; seed < 300; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            TreeMap<String, Object> start = new TreeMap<>();
            for (int i = 0; i < r.nextInt(SmallMap.MAX + 1); i++) start.put(KEYS[r.nextInt(KEYS.length)], (long) r.nextInt(5));
            PSortedMap<String, Object> small = SmallMap.ofSorted(start.keySet().toArray(new String[0]), start.values().toArray(), start.size());
            PSortedMap<String, Object> tree = TreePMap.from(start);
            for (int op = 0; op < 40; op++) {
                String k = KEYS[r.nextInt(KEYS.length)];
                if (r.nextBoolean()) {
                    Object v = r.nextInt(3) == 0 ? "v" + r.nextInt(3) : (Object) (long) r.nextInt(5);
                    small = small.plus(k, v);
                    tree = tree.plus(k, v);
                } else {
                    small = small.minus(k);
                    tree = tree.minus(k);
                }
                assertThat(small).isEqualTo(tree);
                assertThat(tree).isEqualTo(small);
                assertThat(small.hashCode()).isEqualTo(tree.hashCode());
                assertThat(new ArrayList<>(small.entrySet())).isEqualTo(new ArrayList<>(tree.entrySet()));
                assertThat(new ArrayList<>(small.keySet())).isEqualTo(new ArrayList<>(tree.keySet()));
                assertThat(small.get(k)).isEqualTo(tree.get(k));
                assertThat(small.containsKey(k)).isEqualTo(tree.containsKey(k));
                assertThat(small.size()).isEqualTo(tree.size());
                assertThat(small.toString()).isEqualTo(tree.toString());
                assertThat(Values.stableHash(small)).isEqualTo(Values.stableHash(tree));
                if (!tree.isEmpty()) {
                    assertThat(small.firstKey()).isEqualTo(tree.firstKey());
                    assertThat(small.lastEntry()).isEqualTo(tree.lastEntry());
                    assertThat(small.headMap(k)).isEqualTo(tree.headMap(k));
                    assertThat(small.ceilingKey(k)).isEqualTo(tree.ceilingKey(k));
                    assertThat(small.minusFirstEntry()).isEqualTo(tree.minusFirstEntry());
                }
            }
        }
    }

    @Test
    void noneValuesAreLeftOutAndTheArraysAreCopied() {
        String[] keys = {"a", "b", "c"};
        Object[] values = {1L, None.NONE, 3L};
        PSortedMap<String, Object> m = SmallMap.ofSorted(keys, values, 3);
        values[0] = 99L;
        assertThat(m).isEqualTo(TreePMap.<String, Object>empty().plus("a", 1L).plus("c", 3L));
        List<String> order = new ArrayList<>(m.keySet());
        assertThat(order).containsExactly("a", "c");
    }
}
