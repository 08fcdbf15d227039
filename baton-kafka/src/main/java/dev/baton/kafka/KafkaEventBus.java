package dev.baton.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.runtime.EventBus;
import dev.baton.runtime.Json;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Events a program emits, published to Kafka: event {@code E} to topic {@link KafkaAddress#topic}
 * {@code (E)}, the value its JSON payload, with headers {@code baton-time} (engine ms) and
 * {@code baton-seq} (the emission's number in the run). Idempotent producer, {@code acks=all}.
 *
 * <p>Delivery is at least once: after a crash the engine re-executes from its last snapshot and
 * emits the same events again, with the same {@code baton-seq} (the emission's number in the
 * run, restored with the engine's state), which consumers use to drop what they have seen. Point the bus's prefix away from the inbox's when a program both emits
 * and consumes an event, or its own events come back to it.
 */
public final class KafkaEventBus implements EventBus, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaAddress address;
    private final KafkaProducer<String, String> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    public KafkaEventBus(KafkaAddress address, String program) {
        this.address = address;
        Properties p = address.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "baton-bus-" + program);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @Override
    public void publish(long time, String event, Object payload) {
        publish(time, 0, event, payload);
    }

    @Override
    public void publish(long time, long seq, String event, Object payload) {
        Exception f = failure.get();
        if (f != null) throw new IllegalStateException("publishing to Kafka failed: " + f.getMessage(), f);
        String json;
        try {
            json = JSON.writeValueAsString(Json.toPlain(payload));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        ProducerRecord<String, String> r = new ProducerRecord<>(address.topic(event), null, json);
        r.headers().add("baton-time", Long.toString(time).getBytes(StandardCharsets.UTF_8));
        if (seq > 0) r.headers().add("baton-seq", Long.toString(seq).getBytes(StandardCharsets.UTF_8));
        producer.send(r, (md, e) -> {
            if (e != null) failure.compareAndSet(null, e);
        });
    }

    /** Waits until the broker has acknowledged every record sent so far; throws (once) if one was refused. */
    @Override
    public void flush() {
        producer.flush();
        Exception f = failure.getAndSet(null);
        if (f != null) throw new IllegalStateException("publishing to Kafka failed: " + f.getMessage(), f);
    }

    @Override
    public void close() {
        producer.flush();
        producer.close(Duration.ofSeconds(5));
        Exception f = failure.get();
        if (f != null) throw new IllegalStateException("publishing to Kafka failed: " + f.getMessage(), f);
    }
}
