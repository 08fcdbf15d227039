package dev.baton.kafka;

import dev.baton.lang.Baton;
import dev.baton.stack.LocalKafka;
import dev.baton.lang.CheckResult;
import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Inbox;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded engine fed from, and publishing to, a real Kafka broker. */
class KafkaInboxTest {
    static final String LEDGER = """
            Event Bank.Deposit { account: Int [0..9], amount: Int [1..1000] }
            Event Bank.Large { account: Int, amount: Int }
            $total = 0
            $count = 0
            Module Accounts [instances: 10] {
                $balance = 0
                ON (Bank.Deposit) [route: {account}] {
                    $balance += {amount}
                    $total += {amount}
                    $count += 1
                    if {amount} > 900 {
                        Emit Bank.Large { account: {account}, amount: {amount} }
                    }
                }
            }
            """;

    static LocalKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = LocalKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) kafka.close();
    }

    static Plan plan(String source) throws Exception {
        CheckResult checked = Baton.check("ledger.baton", source);
        assertThat(checked.diagnostics()).filteredOn(d -> d.isError()).isEmpty();
        return Compiler.compile(checked);
    }

    static KafkaProducer<String, String> producer(String bootstrap) {
        Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Produces {@code n} deposits keyed by account; returns the sum of their amounts. */
    static long produceDeposits(String bootstrap, String topic, int n, long seed) throws Exception {
        Random r = new Random(seed);
        long sum = 0;
        try (KafkaProducer<String, String> p = producer(bootstrap)) {
            for (int i = 0; i < n; i++) {
                int account = r.nextInt(10);
                int amount = 1 + r.nextInt(1000);
                sum += amount;
                p.send(new ProducerRecord<>(topic, String.valueOf(account), "{\"account\": " + account + ", \"amount\": " + amount + "}"));
            }
            p.flush();
        }
        return sum;
    }

    @Test
    void everyRecordOnEveryPartitionIsAppliedOnceAndBadOnesAreRejectedWithAReason(@TempDir Path dir) throws Exception {
        String prefix = "t1.";
        kafka.createTopics(3, prefix + "Bank.Deposit");
        long sum = produceDeposits(kafka.bootstrap(), prefix + "Bank.Deposit", 3000, 1);
        try (KafkaProducer<String, String> p = producer(kafka.bootstrap())) {
            p.send(new ProducerRecord<>(prefix + "Bank.Deposit", "x", "{not json"));
            p.send(new ProducerRecord<>(prefix + "Bank.Deposit", "x", "{\"account\": 3, \"amount\": -5}"));
            p.send(new ProducerRecord<>(prefix + "Bank.Deposit", "x", "{\"account\": 3}"));
            p.flush();
        }
        // a consumer group that claims everything was consumed already: the engine's own positions win
        try (KafkaConsumer<String, String> c = consumer("baton-claims")) {
            Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
            for (int part = 0; part < 3; part++) {
                TopicPartition tp = new TopicPartition(prefix + "Bank.Deposit", part);
                ends.put(tp, new OffsetAndMetadata(c.endOffsets(List.of(tp)).get(tp)));
            }
            c.commitSync(ends);
        }
        List<String> rejections = new ArrayList<>();
        KafkaAddress address = KafkaAddress.parse("kafka://" + kafka.bootstrap() + "?prefix=" + prefix + "&group=baton-claims&stop-when-idle=1s");
        Plan plan = plan(LEDGER);
        RunReport report;
        try (KafkaInbox inbox = new KafkaInbox(address, List.of("Bank.Deposit"), "ledger", (item, why) -> rejections.add(why))) {
            report = new EmbeddedEngine(plan, EngineOptions.defaults().withDataDir(dir.resolve("data")).withInbox(inbox)).run();
            assertThat(inbox.taken()).isEqualTo(3000);
            assertThat(inbox.rejected()).isEqualTo(3);
        }
        assertThat(report.globals().get("total")).isEqualTo(sum);
        assertThat(report.globals().get("count")).isEqualTo(3000L);
        assertThat(rejections).hasSize(3).anyMatch(r -> r.contains("amount")).anyMatch(r -> r.toLowerCase().contains("json"));
        // the group's committed offsets follow what was applied (for lag monitoring)
        try (KafkaConsumer<String, String> c = consumer("baton-claims")) {
            long committed = 0;
            for (int part = 0; part < 3; part++) {
                OffsetAndMetadata o = c.committed(Set.of(new TopicPartition(prefix + "Bank.Deposit", part))).values().iterator().next();
                committed += o.offset();
            }
            assertThat(committed).isEqualTo(3003);
        }
    }

    @Test
    void aRunResumedFromItsDataDirectoryReadsOnlyWhatCameAfter(@TempDir Path dir) throws Exception {
        String prefix = "t2.";
        kafka.createTopics(2, prefix + "Bank.Deposit");
        long first = produceDeposits(kafka.bootstrap(), prefix + "Bank.Deposit", 500, 2);
        Plan plan = plan(LEDGER);
        KafkaAddress address = KafkaAddress.parse("kafka://" + kafka.bootstrap() + "?prefix=" + prefix + "&stop-when-idle=1s");
        EngineOptions options = EngineOptions.defaults().withDataDir(dir.resolve("data"));
        // the run stops once the topic is read to its end; its engine state holds the positions
        Map<String, Long> positions;
        try (KafkaInbox inbox = new KafkaInbox(address, List.of("Bank.Deposit"), "ledger", (i, w) -> { })) {
            EmbeddedEngine engine = new EmbeddedEngine(plan, options.withInbox(inbox));
            engine.run();
            positions = engine.core().inboxPositions();
            assertThat(engine.core().globals().get("total")).isEqualTo(first);
        }
        assertThat(positions).containsOnlyKeys(prefix + "Bank.Deposit/0", prefix + "Bank.Deposit/1");
        assertThat(positions.values().stream().mapToLong(v -> v + 1).sum()).isEqualTo(500);
        // the recorded positions are where a restarted inbox continues: only the new records come
        long second = produceDeposits(kafka.bootstrap(), prefix + "Bank.Deposit", 300, 3);
        List<Inbox.Item> got = new ArrayList<>();
        try (KafkaInbox inbox = new KafkaInbox(address, List.of("Bank.Deposit"), "other", (i, w) -> { })) {
            inbox.resume(positions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!inbox.closed() && System.nanoTime() < deadline) got.addAll(inbox.poll());
        }
        assertThat(got).hasSize(300);
        long sum = 0;
        for (Inbox.Item i : got) {
            assertThat(i.seq()).isGreaterThan(positions.get(i.source()));
            sum += Long.parseLong(i.payloadJson().replaceAll(".*\"amount\": (\\d+).*", "$1"));
        }
        assertThat(sum).isEqualTo(second);
    }

    @Test
    void emittedEventsArePublishedToTheirTopicWithTheirNumberInTheRun(@TempDir Path dir) throws Exception {
        String prefix = "t3.";
        kafka.createTopics(1, prefix + "Bank.Deposit");
        produceDeposits(kafka.bootstrap(), prefix + "Bank.Deposit", 400, 4);
        Plan plan = plan(LEDGER);
        KafkaAddress in = KafkaAddress.parse("kafka://" + kafka.bootstrap() + "?prefix=" + prefix + "&stop-when-idle=1s");
        KafkaAddress out = KafkaAddress.parse("kafka://" + kafka.bootstrap() + "?prefix=" + prefix + "out.");
        RunReport report;
        try (KafkaInbox inbox = new KafkaInbox(in, List.of("Bank.Deposit"), "ledger", (i, w) -> { });
             KafkaEventBus bus = new KafkaEventBus(out, "ledger")) {
            report = new EmbeddedEngine(plan, EngineOptions.defaults().withInbox(inbox).withBus(bus)).run();
        }
        long large = report.events().get("Bank.Large");
        assertThat(large).isPositive();
        Set<String> seqs = new HashSet<>();
        int records = 0;
        try (KafkaConsumer<String, String> c = consumer("reader")) {
            c.subscribe(List.of(prefix + "out.Bank.Large"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records < large && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    records++;
                    assertThat(r.value()).contains("\"account\"").contains("\"amount\"");
                    seqs.add(new String(r.headers().lastHeader("baton-seq").value(), StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(records).isEqualTo(large);
        assertThat(seqs).hasSize(records);
    }

    @Test
    void aBatchRunWithNoTopicToReadStopsWhenIdleInsteadOfFailing(@TempDir Path dir) throws Exception {
        KafkaAddress address = KafkaAddress.parse("kafka://" + kafka.bootstrap() + "?prefix=nothing-here.&stop-when-idle=1s");
        try (KafkaInbox inbox = new KafkaInbox(address, List.of("Bank.Deposit"), "ledger", (i, w) -> { })) {
            RunReport report = new EmbeddedEngine(plan(LEDGER), EngineOptions.defaults().withDataDir(dir.resolve("data")).withInbox(inbox)).run();
            assertThat(report.globals().get("count")).isEqualTo(0L);
            assertThat(inbox.taken()).isZero();
        }
        try (var admin = kafka.admin()) {
            assertThat(admin.listTopics().names().get()).as("reading never creates topics").noneMatch(t -> t.startsWith("nothing-here."));
        }
    }

    static KafkaConsumer<String, String> consumer(String group) {
        Map<String, Object> p = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(), ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }
}
