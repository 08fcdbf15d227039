package dev.baton.redis;

import dev.baton.runtime.Json;
import dev.baton.runtime.StateObserver;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --state redis://HOST:PORT}: a run's global state in Redis, for every other process to
 * read — the hash {@code baton:state:{RUN}}, one field per global (its JSON) and {@code @time}
 * (the engine time of the state). Written through at slice boundaries (at most every 100 ms of
 * engine time) and at the end. The engine stays the authority: a write is idempotent by engine
 * time, so a re-executing engine (after a crash, or a Temporal replay) changes nothing, and a
 * Redis restart only makes the run wait (up to the store's reconnect time) until it is back.
 */
public final class RedisStatePublisher implements StateObserver {
    private final RedisSharedState store;
    private final String run;

    public RedisStatePublisher(RedisSharedState store, String run) {
        this.store = store;
        this.run = run;
    }

    @Override
    public void globals(long engineTime, Map<String, Object> changed, boolean last) {
        Map<String, String> json = new LinkedHashMap<>();
        changed.forEach((k, v) -> json.put(k, Json.write(v)));
        store.publishState(run, engineTime, json);
    }
}
