package dev.baton.redis;

import dev.baton.runtime.SharedState;

/** The contract on the in-memory reference. */
class InMemorySharedStateTest extends SharedStateContract {
    private final SharedState store = SharedState.inMemory();

    @Override
    SharedState store() {
        return store;
    }
}
