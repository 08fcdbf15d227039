package dev.baton.cli;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread writing {@code Bank.Deposit} records (account 0–15 as the key, amount 1–1000) to
 * Kafka in bursts until {@link #stop()}, each acknowledged before it is counted: what was
 * produced, and the sum of the amounts, are exact.
 */
final class DepositProducer implements AutoCloseable {
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong sum = new AtomicLong();
    private final Thread thread;

    DepositProducer(String bootstrap, long seed, int burst) {
        thread = new Thread(() -> {
            Map<String, Object> conf = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.LINGER_MS_CONFIG, 5);
            Random r = new Random(seed);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(conf, new StringSerializer(), new StringSerializer())) {
                while (producing.get()) {
                    for (int i = 0; i < burst; i++) {
                        int account = r.nextInt(16);
                        int amount = 1 + r.nextInt(1000);
                        p.send(new ProducerRecord<>("Bank.Deposit", String.valueOf(account),
                                "{\"account\": " + account + ", \"amount\": " + amount + "}")).get();
                        sum.addAndGet(amount);
                        produced.incrementAndGet();
                    }
                    Thread.sleep(20);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, "deposit-producer");
        thread.start();
    }

    /** What a finished producer wrote: how many deposits and their total. */
    record Written(long count, long sum) {
    }

    /** Writes at least {@code atLeast} deposits (bursts of {@code burst}), then stops: what it wrote. */
    static Written write(String bootstrap, long seed, int burst, long atLeast) throws InterruptedException {
        try (DepositProducer producer = new DepositProducer(bootstrap, seed, burst)) {
            while (producer.produced() < atLeast) Thread.sleep(20);
            producer.stop();
            return new Written(producer.produced(), producer.sum());
        }
    }

    /** Stops after the current burst and waits for it. */
    void stop() throws InterruptedException {
        producing.set(false);
        thread.join();
    }

    long produced() {
        return produced.get();
    }

    long sum() {
        return sum.get();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
