package dev.baton.lang.internal.check;

import dev.baton.lang.Code;
import dev.baton.lang.internal.DiagnosticSink;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Warning B0406: calls between handlers that can come back to a module that is busy waiting for
 * them (the engine's deadlock B0601, seen ahead). Fed the calls the {@link Checker} collected
 * while it checked each handler; must not check anything else.
 */
final class CallCycles {
    private CallCycles() {
    }

    /**
     * Handlers whose calls can come back to a module that is busy: a handler that calls keeps its
     * instance busy until the answer, so a call reaching that instance meanwhile waits behind it.
     * The graph has a node per calling handler and one per module; a call is an edge from its
     * handler to the callee's module, a module an edge to each of its calling handlers (one of them
     * may be what keeps it busy). A cycle is a possible deadlock (the engine ends one as B0601);
     * keys decide whether the calls meet, so it is a warning, once per cycle, at its first call.
     * Strongly connected components, found iteratively: linear in the calls, whatever the depth.
     */
    static void report(List<Checker.HandlerCall> handlerCalls, DiagnosticSink sink) {
        if (handlerCalls.isEmpty()) return;
        Map<String, Integer> node = new LinkedHashMap<>();
        List<String> label = new ArrayList<>();
        java.util.function.Function<String, Integer> id = k -> node.computeIfAbsent(k, x -> {
            label.add(x);
            return label.size() - 1;
        });
        Map<String, List<Integer>> calling = new LinkedHashMap<>();
        for (Checker.HandlerCall hc : handlerCalls) {
            int body = id.apply(hc.module() + "." + hc.body());
            List<Integer> of = calling.computeIfAbsent(hc.module(), k -> new ArrayList<>());
            if (!of.contains(body)) of.add(body);
        }
        List<List<Integer>> out = new ArrayList<>();
        java.util.function.IntFunction<List<Integer>> edges = v -> {
            while (out.size() <= v) out.add(new ArrayList<>());
            return out.get(v);
        };
        List<int[]> callEdges = new ArrayList<>();
        for (Checker.HandlerCall hc : handlerCalls) {
            int from = id.apply(hc.module() + "." + hc.body());
            int hub = id.apply("module " + hc.toModule());
            edges.apply(from).add(hub);
            callEdges.add(new int[] {from, hub});
        }
        calling.forEach((module, bodies) -> {
            Integer hub = node.get("module " + module);
            if (hub != null) edges.apply(hub).addAll(bodies);
        });
        int count = label.size();
        while (out.size() < count) out.add(new ArrayList<>());
        int[] comp = components(out, count);
        Set<Integer> warned = new HashSet<>();
        for (int i = 0; i < handlerCalls.size(); i++) {
            int from = callEdges.get(i)[0];
            int hub = callEdges.get(i)[1];
            if (comp[from] != comp[hub] || !warned.add(comp[from])) continue;
            Checker.HandlerCall hc = handlerCalls.get(i);
            List<String> chain = cycle(out, comp, hub, from, label);
            List<String> loop = new ArrayList<>();
            loop.add(hc.module() + "." + hc.body());
            loop.addAll(chain);
            loop.add(hc.module() + "." + hc.body());
            sink.report(hc.call().span(), Code.CALL_CYCLE, "calls can come back to a module that is busy waiting for them: " + String.join(" -> ", loop)
                    + " (each handler keeps its instance busy until its call is answered, so when these calls reach the same instances"
                    + " none goes on; the engine ends it as deadlock B0601); send an event instead, or call a module outside the cycle");
        }
    }

    /** The strongly connected component of each node (Tarjan's algorithm, without recursion). */
    private static int[] components(List<List<Integer>> out, int n) {
        int[] index = new int[n];
        int[] low = new int[n];
        int[] comp = new int[n];
        boolean[] onStack = new boolean[n];
        java.util.Arrays.fill(index, -1);
        int[] next = new int[n];
        java.util.ArrayDeque<Integer> stack = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
        int counter = 0;
        int comps = 0;
        for (int s = 0; s < n; s++) {
            if (index[s] >= 0) continue;
            work.push(s);
            while (!work.isEmpty()) {
                int v = work.peek();
                if (index[v] < 0) {
                    index[v] = low[v] = counter++;
                    stack.push(v);
                    onStack[v] = true;
                }
                if (next[v] < out.get(v).size()) {
                    int w = out.get(v).get(next[v]++);
                    if (index[w] < 0) {
                        work.push(w);
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty()) low[work.peek()] = Math.min(low[work.peek()], low[v]);
                if (low[v] == index[v]) {
                    int w;
                    do {
                        w = stack.pop();
                        onStack[w] = false;
                        comp[w] = comps;
                    } while (w != v);
                    comps++;
                }
            }
        }
        return comp;
    }

    /** The handlers on a shortest path from {@code from} to {@code to} inside their component (module nodes left out). */
    private static List<String> cycle(List<List<Integer>> out, int[] comp, int from, int to, List<String> label) {
        int[] prev = new int[out.size()];
        java.util.Arrays.fill(prev, -2);
        java.util.ArrayDeque<Integer> q = new java.util.ArrayDeque<>();
        q.add(from);
        prev[from] = -1;
        while (!q.isEmpty() && prev[to] == -2) {
            int v = q.poll();
            for (int w : out.get(v)) {
                if (comp[w] != comp[from] || prev[w] != -2) continue;
                prev[w] = v;
                q.add(w);
            }
        }
        List<String> path = new ArrayList<>();
        for (int v = prev[to] == -2 ? -1 : prev[to]; v >= 0; v = prev[v]) if (!label.get(v).startsWith("module ")) path.add(0, label.get(v));
        return path;
    }

}
