package dev.baton.kafka;

import dev.baton.runtime.Inbox;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * External events from Kafka: one topic per event type ({@link KafkaAddress#topic}), any number
 * of partitions, the record value the event's JSON payload (the key is the producer's choice,
 * e.g. the route key, so one instance's events keep their order).
 *
 * <p>Exactly once, without Kafka transactions: each partition is an inbox source
 * ({@code topic/partition}) and the record offset its sequence. The engine journals the
 * records it takes together with those positions before applying them, and keeps the last
 * applied offset per partition in its state and snapshots. On (re)start {@link #resume} gets
 * those positions and every partition is read from the offset after its last applied record,
 * whatever the consumer group had committed — so a crash loses nothing and applies nothing
 * twice. Partitions are assigned rather than balanced by the group (a restarted process does
 * not wait for the group to time out the killed one); the group's committed offsets follow the
 * applied ones, for lag monitoring only. New partitions and topics are picked up within 5 s.
 *
 * <p>Single-threaded like the engine loop that calls it; {@link #poll} never blocks long.
 */
public final class KafkaInbox implements Inbox, AutoCloseable {
    private final KafkaAddress address;
    private final KafkaConsumer<String, String> consumer;
    private final Map<String, String> eventOfTopic = new HashMap<>();
    private final BiConsumer<Item, String> onRejected;
    private Map<String, Long> applied = Map.of();
    private final Map<TopicPartition, Long> toCommit = new HashMap<>();
    private long lastRecordNanos = System.nanoTime();
    /** How often topics are looked up again for partitions (and topics) created since. */
    private static final long DISCOVERY_NANOS = 5_000_000_000L;
    private long lastDiscoveryNanos;
    private long lastCommitNanos = System.nanoTime();
    private boolean closed;
    private long taken;
    private long rejected;

    /**
     * @param events     the names of the events the program declares (one topic each)
     * @param program    the program's name, for the default consumer group
     * @param onRejected told of every record the engine refused (bad JSON, wrong fields…), with the reason
     */
    public KafkaInbox(KafkaAddress address, Collection<String> events, String program, BiConsumer<Item, String> onRejected) {
        this.address = address;
        this.onRejected = onRejected;
        for (String e : events) eventOfTopic.put(address.topic(e), e);
        Properties p = address.clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, address.group() != null ? address.group() : "baton-" + program);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "baton-inbox-" + program);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** Source name of a partition in the engine's inbox positions. */
    static String source(String topic, int partition) {
        return topic + "/" + partition;
    }

    @Override
    public void resume(Map<String, Long> appliedPositions) {
        this.applied = new HashMap<>(appliedPositions);
        assignNewPartitions();
    }

    /**
     * Takes every partition of the event topics, each from the offset after its last applied
     * record (or its beginning). Partitions are assigned, not balanced by the group: a new
     * process must not wait for the group to notice that a killed one is gone.
     */
    private void assignNewPartitions() {
        lastDiscoveryNanos = System.nanoTime();
        Set<TopicPartition> all = new HashSet<>(consumer.assignment());
        List<TopicPartition> added = new ArrayList<>();
        for (String topic : eventOfTopic.keySet()) {
            List<PartitionInfo> parts = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (parts == null) continue;
            for (PartitionInfo pi : parts) {
                TopicPartition tp = new TopicPartition(pi.topic(), pi.partition());
                if (all.add(tp)) added.add(tp);
            }
        }
        if (added.isEmpty()) return;
        consumer.assign(all);
        for (TopicPartition tp : added) {
            Long last = applied.get(source(tp.topic(), tp.partition()));
            if (last != null) consumer.seek(tp, last + 1);
            else consumer.seekToBeginning(List.of(tp));
        }
    }

    @Override
    public List<Item> poll() {
        if (closed) return List.of();
        if (System.nanoTime() - lastDiscoveryNanos > DISCOVERY_NANOS) assignNewPartitions();
        List<Item> out = new ArrayList<>();
        // no partition yet (no topic exists): nothing to read until discovery finds one
        Iterable<ConsumerRecord<String, String>> records = consumer.assignment().isEmpty() ? List.of() : consumer.poll(Duration.ofMillis(5));
        for (ConsumerRecord<String, String> r : records) {
            String event = eventOfTopic.get(r.topic());
            if (event == null) continue;
            out.add(new Item(source(r.topic(), r.partition()), r.offset(), event, r.value() == null ? "" : r.value()));
        }
        long now = System.nanoTime();
        if (!out.isEmpty()) {
            lastRecordNanos = now;
        } else if (address.idleStop() != null && now - lastRecordNanos >= address.idleStop().toNanos() && caughtUp()) {
            closed = true;
            commit();
        }
        if (now - lastCommitNanos > 1_000_000_000L) commit();
        return out;
    }

    /** True when this consumer has read each of its partitions to its end (true when there are none). */
    private boolean caughtUp() {
        var assigned = consumer.assignment();
        if (assigned.isEmpty()) return true;
        Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, Duration.ofSeconds(5));
        for (TopicPartition tp : assigned) if (consumer.position(tp, Duration.ofSeconds(5)) < ends.get(tp)) return false;
        return true;
    }

    @Override
    public boolean closed() {
        return closed;
    }

    @Override
    public void acknowledge(Item item, String rejection) {
        int slash = item.source().lastIndexOf('/');
        TopicPartition tp = new TopicPartition(item.source().substring(0, slash), Integer.parseInt(item.source().substring(slash + 1)));
        toCommit.merge(tp, item.seq() + 1, Math::max);
        if (rejection != null) {
            rejected++;
            onRejected.accept(item, rejection);
        } else {
            taken++;
        }
    }

    private void commit() {
        lastCommitNanos = System.nanoTime();
        if (toCommit.isEmpty()) return;
        Map<TopicPartition, OffsetAndMetadata> offsets = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        toCommit.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next)));
        toCommit.clear();
        consumer.commitAsync(offsets, null); // monitoring only: the engine's journal is the truth
    }

    /** Records handed to the engine and accepted (duplicates dropped by the engine count too). */
    public long taken() {
        return taken;
    }

    public long rejected() {
        return rejected;
    }

    @Override
    public void close() {
        try {
            commit();
            consumer.commitSync(Duration.ofSeconds(2));
        } catch (RuntimeException ignored) {
            // committed offsets only feed lag monitoring
        }
        consumer.close(Duration.ofSeconds(2));
    }
}
