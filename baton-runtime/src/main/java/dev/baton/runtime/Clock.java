package dev.baton.runtime;

/**
 * Wall-clock time, injected. Engine time never reads it; only the real-clock pacing and the
 * wall-time figures of a report do, so tests and simulations can replace it.
 */
public interface Clock {
    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
            if (nanos > 0) Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
    };

    long nanoTime();

    void sleepNanos(long nanos) throws InterruptedException;
}
