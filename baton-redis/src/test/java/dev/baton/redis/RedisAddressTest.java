package dev.baton.redis;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisAddressTest {
    @Test
    void readsHostPortCredentialsAndTlsFiles() {
        RedisAddress a = RedisAddress.parse("rediss://ops:p%40ss+word@cache.internal:6380?ca=/etc/ca.pem&cert=c.pem&key=c.key", null);
        assertThat(a.host()).isEqualTo("cache.internal");
        assertThat(a.port()).isEqualTo(6380);
        assertThat(a.user()).isEqualTo("ops");
        assertThat(a.password()).isEqualTo("p@ss+word");
        assertThat(a.tls()).isTrue();
        assertThat(a.ca()).isEqualTo(Path.of("/etc/ca.pem"));
        assertThat(a.cert()).isEqualTo(Path.of("c.pem"));
        assertThat(a.key()).isEqualTo(Path.of("c.key"));
        assertThat(a.toString()).isEqualTo("rediss://ops:***@cache.internal:6380").doesNotContain("word");
        assertThat(a.describe()).isEqualTo("cache.internal:6380 over TLS");

        RedisAddress plain = RedisAddress.parse("redis://127.0.0.1", null);
        assertThat(plain.port()).isEqualTo(6379);
        assertThat(plain.tls()).isFalse();
        assertThat(plain.password()).isNull();
        assertThat(plain.user()).isNull();
    }

    @Test
    void thePasswordMayComeFromTheEnvironmentButTheAddressWins() {
        assertThat(RedisAddress.parse("redis://h:1", "fromenv").password()).isEqualTo("fromenv");
        assertThat(RedisAddress.parse("redis://:inurl@h:1", "fromenv").password()).isEqualTo("inurl");
        assertThat(RedisAddress.parse("redis://ops@h:1", "fromenv").user()).isEqualTo("ops");
        assertThat(RedisAddress.parse("redis://h:1", "").password()).isNull();
    }

    @Test
    void badAddressesAreNamedWithoutThePassword() {
        assertThatThrownBy(() -> RedisAddress.parse("http://:secret@h:1", null)).hasMessageContaining("is not redis://HOST:PORT or rediss://")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> RedisAddress.parse("redis://h:1?ca=x.pem", null)).hasMessageContaining("TLS options: use rediss://");
        assertThatThrownBy(() -> RedisAddress.parse("rediss://h:1?cert=c.pem", null)).hasMessageContaining("needs its key");
        assertThatThrownBy(() -> RedisAddress.parse("rediss://h:1?verify=no", null)).hasMessageContaining("unknown option 'verify'");
        assertThatThrownBy(() -> RedisAddress.parse("rediss://h:1?ca=", null)).hasMessageContaining("option 'ca'").hasMessageContaining("needs a file");
        assertThatThrownBy(() -> RedisAddress.parse("redis://h:1/3", null)).hasMessageContaining("database number");
        assertThatThrownBy(() -> RedisAddress.parse("redis://ops@h:1", null)).hasMessageContaining("no password");
        assertThatThrownBy(() -> RedisAddress.parse("redis://", null)).hasMessageContaining("redis://HOST:PORT");
    }
}
