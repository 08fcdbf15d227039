package dev.baton.runtime.internal.exec;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The call records' map against a {@link TreeMap}: any sequence of puts (null values too),
 * removes, clears and iterations leaves the same entries, in the same order, with the same
 * answers to get, containsKey and size — across the table's growth, the shifting back that a
 * remove does in a probe run, and the kept order merged with the keys added since.
 */
class KeyOrderedMapModelTest {
    @Property(tries = 300)
    void behavesLikeASortedMap(@ForAll @Size(max = 400) List<@IntRange(min = 0, max = 999) Integer> ops) {
        KeyOrderedMap<Integer> map = new KeyOrderedMap<>();
        TreeMap<String, Integer> model = new TreeMap<>();
        for (int op : ops) {
            // few distinct keys, so removes hit and keys come back; some share a hash code ("Aa", "BB")
            String key = switch (op % 7) {
                case 0 -> "Aa";
                case 1 -> "BB";
                default -> "k" + (op / 7 % 60);
            };
            int kind = op % 10;
            if (kind < 5) {
                Integer value = op % 13 == 0 ? null : op;
                assertThat(map.put(key, value)).isEqualTo(model.put(key, value));
            } else if (kind < 8) {
                assertThat(map.remove(key)).isEqualTo(model.remove(key));
            } else if (op == 999) {
                map.clear();
                model.clear();
            } else {
                assertThat(entries(map)).isEqualTo(entries(model));
            }
            assertThat(map.size()).isEqualTo(model.size());
            assertThat(map.containsKey(key)).isEqualTo(model.containsKey(key));
            assertThat(map.get(key)).isEqualTo(model.get(key));
        }
        assertThat(entries(map)).isEqualTo(entries(model));
        for (String k : model.keySet()) assertThat(map.get(k)).isEqualTo(model.get(k));
    }

    private static List<String> entries(Map<String, Integer> m) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Integer> e : m.entrySet()) out.add(e.getKey() + "=" + e.getValue());
        return out;
    }
}
