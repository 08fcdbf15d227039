package dev.baton.stack;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LocalKafkaSmokeTest {
    @Test
    void startsAndTakesTopics() throws Exception {
        long t0 = System.nanoTime();
        try (LocalKafka k = LocalKafka.start()) {
            System.out.printf("kafka up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            k.createTopics(3, "Bank.Deposit");
            try (var admin = k.admin()) {
                assertThat(admin.listTopics().names().get()).contains("Bank.Deposit");
            }
        }
    }

    @Test
    void restartsOnItsDirectoryKeepingItsTopics(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        int port = LocalKafka.freePort();
        int controller = LocalKafka.freePort();
        try (LocalKafka k = LocalKafka.start(port, controller, dir)) {
            k.createTopics(2, "Kept");
        }
        try (LocalKafka again = LocalKafka.start(port, controller, dir); var admin = again.admin()) {
            assertThat(admin.listTopics().names().get()).contains("Kept");
        }
    }
}
