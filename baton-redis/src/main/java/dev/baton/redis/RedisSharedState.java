package dev.baton.redis;

import dev.baton.runtime.SharedState;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.SetParams;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * {@link SharedState} on Redis. Every operation is one Lua script, so it is atomic on the
 * server and costs one round trip; {@link #applyAll} hands a batch of deltas to one script
 * call, which applies them in order exactly as one by one but reads and writes each counter
 * once (and pipelines the calls of a longer batch). Scripts are loaded once and called by hash; when Redis has lost
 * them (a restart), they are loaded again and the call is repeated — safe, because a delta
 * that did run is recognised by its sequence number.
 *
 * <p>Layout: a counter is the hash {@code baton:c:KEY} (fields {@code v} value, {@code n}
 * version, {@code s:SOURCE} last sequence applied from SOURCE); a lease is the hash
 * {@code baton:lease:{LOCK}} (owner, token) with a TTL; the fencing counter of a lock is
 * {@code baton:fence:{LOCK}} and never expires. Single primary only: a Redis Cluster would
 * need the counter and the fence of {@link #fencedSet} in one hash slot.
 */
public final class RedisSharedState implements SharedState, dev.baton.runtime.HotStore {
    private static final String READ = """
            local r = redis.call('HMGET', KEYS[1], 'v', 'n')
            return {tonumber(r[1] or '0'), tonumber(r[2] or '0')}
            """;

    /**
     * A batch of deltas in one call: ARGV holds (key index, source, seq, delta, min, max) per
     * delta. Each counter is read once, every delta is applied in order in the script's memory
     * — exactly as one by one, a version per delta — and each counter is written once.
     */
    /**
     * Deltas in runs: each run is the consecutive deltas of one (counter, source, min, max), sent as
     * {@code ki, source, min, max, packed} where {@code packed} is a MessagePack array
     * {@code [seq1, delta1, seq2, delta2, …]} of 64-bit integers (decoded in C by the script
     * engine's {@code cmsgpack}): five arguments a run, not two a delta. Each counter and
     * each (counter, source) sequence is read once and written once per call. The reply is, per
     * run, the counter's value and version before it and a string of '1' (applied) / '0' (a
     * sequence already applied) per delta: the client replays the clamped sums itself (exact
     * below 2^53), so the reply does not grow with the deltas.
     */
    private static final String APPLY_BATCH = """
            local st = {}
            local out = {}
            local i = 1
            local n = #ARGV
            while i <= n do
              local ki = tonumber(ARGV[i])
              local src = ARGV[i + 1]
              local lo, hi = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
              local nums = cmsgpack.unpack(ARGV[i + 4])
              i = i + 5
              local c = st[ki]
              if not c then
                local r = redis.call('HMGET', KEYS[ki], 'v', 'n')
                c = {v = tonumber(r[1] or '0'), n = tonumber(r[2] or '0'), last = {}, changed = {}}
                st[ki] = c
              end
              local last = c.last[src]
              if last == nil then
                local l = redis.call('HGET', KEYS[ki], 's:' .. src)
                if l then last = tonumber(l) else last = false end
              end
              out[#out + 1] = c.v; out[#out + 1] = c.n
              local v, cn, moved = c.v, c.n, false
              local flags = {}
              for j = 1, #nums, 2 do
                local seq = nums[j]
                if last and seq <= last then
                  flags[#flags + 1] = '0'
                else
                  v = v + nums[j + 1]
                  if v < lo then v = lo end
                  if v > hi then v = hi end
                  cn = cn + 1
                  last = seq; moved = true
                  flags[#flags + 1] = '1'
                end
              end
              c.v = v; c.n = cn; c.last[src] = last
              if moved then c.changed[src] = string.format('%d', last) end
              out[#out + 1] = table.concat(flags)
            end
            for ki, c in pairs(st) do
              local args = {'v', string.format('%d', c.v), 'n', string.format('%d', c.n)}
              for src, seq in pairs(c.changed) do args[#args + 1] = 's:' .. src; args[#args + 1] = seq end
              redis.call('HSET', KEYS[ki], unpack(args))
            end
            return out
            """;
    private static final String CAS = """
            local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
            if n ~= tonumber(ARGV[1]) then return 0 end
            redis.call('HSET', KEYS[1], 'v', ARGV[2], 'n', string.format('%d', n + 1))
            return 1
            """;
    private static final String ACQUIRE = """
            local owner = redis.call('HGET', KEYS[1], 'o')
            if owner and owner ~= ARGV[1] then return -1 end
            local token
            if owner then token = tonumber(redis.call('HGET', KEYS[1], 't')) else token = redis.call('INCR', KEYS[2]) end
            redis.call('HSET', KEYS[1], 'o', ARGV[1], 't', token)
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return token
            """;
    private static final String RELEASE = """
            if redis.call('HGET', KEYS[1], 'o') ~= ARGV[1] then return 0 end
            redis.call('DEL', KEYS[1])
            return 1
            """;
    private static final String FENCED_SET = """
            local newest = tonumber(redis.call('GET', KEYS[1]) or '0')
            if tonumber(ARGV[1]) < newest then return 0 end
            local n = tonumber(redis.call('HGET', KEYS[2], 'n') or '0')
            redis.call('HSET', KEYS[2], 'v', ARGV[2], 'n', string.format('%d', n + 1))
            return 1
            """;
    /** A run's published globals: written when the engine time is not older than the stored one. */
    private static final String PUBLISH_STATE = """
            local t = tonumber(redis.call('HGET', KEYS[1], '@time') or '-1')
            if tonumber(ARGV[1]) < t then return 0 end
            if #ARGV > 1 then
              redis.call('HSET', KEYS[1], '@time', ARGV[1], unpack(ARGV, 2))
            else
              redis.call('HSET', KEYS[1], '@time', ARGV[1])
            end
            return 1
            """;
    /**
     * A hot module's batch: the record (hash: {@code n} version, {@code d} data) written when still at
     * version ARGV[1], with the batch's outcomes (field ARGV[3] of the writer's outcome hash), whose
     * fields below ARGV[5] go; the outcome hash lives ARGV[6] ms after the last write.
     */
    private static final String HOT_COMMIT = """
            local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
            if n ~= tonumber(ARGV[1]) then return 0 end
            redis.call('HSET', KEYS[1], 'n', string.format('%d', n + 1), 'd', ARGV[2])
            redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
            local oldest = tonumber(ARGV[5])
            for _, f in ipairs(redis.call('HKEYS', KEYS[2])) do
              if tonumber(f) < oldest then redis.call('HDEL', KEYS[2], f) end
            end
            redis.call('PEXPIRE', KEYS[2], ARGV[6])
            return 1
            """;
    private static final String[] SCRIPTS = {READ, APPLY_BATCH, CAS, ACQUIRE, RELEASE, FENCED_SET, PUBLISH_STATE, HOT_COMMIT};
    private static final int S_READ = 0, S_APPLY_BATCH = 1, S_CAS = 2, S_ACQUIRE = 3, S_RELEASE = 4, S_FENCED_SET = 5,
            S_PUBLISH_STATE = 6, S_HOT_COMMIT = 7;
    /** Deltas per batch script call: long enough to amortise the call, short enough not to stall Redis. */
    private static final int BATCH = 256;
    private static final long MAX_EXACT = 1L << 53;

    private final RedisClient redis;
    private final String[] shas = new String[SCRIPTS.length];
    private volatile Duration reconnectFor = Duration.ofSeconds(30);

    private RedisSharedState(RedisClient redis) {
        this.redis = redis;
        loadScripts();
    }

    /** How long idempotent operations keep trying while Redis is unreachable (default 30 s). */
    public RedisSharedState reconnectFor(Duration d) {
        this.reconnectFor = d;
        return this;
    }

    /** Connects to {@code redis://HOST:PORT} (no credentials, no TLS). */
    public static RedisSharedState connect(URI uri) {
        if (!"redis".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("expected redis://HOST:PORT, got " + uri);
        }
        return new RedisSharedState(RedisClient.create(uri.getHost(), uri.getPort() < 0 ? RedisAddress.DEFAULT_PORT : uri.getPort()));
    }

    /**
     * Connects to {@code address} with its credentials and TLS settings. An unreadable TLS file is
     * an IOException naming it; a refused password or a failed handshake surfaces from the first
     * command (see {@link #problem}).
     */
    public static RedisSharedState connect(RedisAddress address) throws java.io.IOException {
        return new RedisSharedState(RedisClient.builder().hostAndPort(address.host(), address.port())
                .clientConfig(address.clientConfig(CONNECT_TIMEOUT_MS)).build());
    }

    private static final int CONNECT_TIMEOUT_MS = 3000;

    /**
     * What went wrong reaching {@code address}, in words, from the exception the client threw:
     * a refused password, a password Redis wants, a TLS handshake that failed, or nothing answering.
     */
    public static String problem(RedisAddress address, RuntimeException e) {
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null && chain.length() < 2000; t = t.getCause()) chain.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" | ");
        String all = chain.toString();
        String where = "Redis at " + address.describe();
        if (all.contains("WRONGPASS") || all.contains("invalid password") || all.contains("invalid username-password")) {
            return where + " refused the credentials (wrong user or password)";
        }
        if (all.contains("NOAUTH")) return where + " wants a password: give redis://:PASSWORD@HOST:PORT or set $" + RedisAddress.PASSWORD_ENV;
        if (all.contains("PKIX")) {
            return "the TLS handshake with " + where + " failed: its certificate is not signed by an authority this process trusts"
                    + " (give ca=FILE with the server's authority)";
        }
        if (all.contains("SSLHandshakeException") || all.contains("certificate")) {
            return "the TLS handshake with " + where + " failed (" + messageOf(e, "SSL") + "): check ca=, cert= and key=";
        }
        if (address.tls() && (all.contains("SSLException") || all.contains("Unsupported or unrecognized SSL message") || all.contains("Remote host terminated"))) {
            return where + " did not speak TLS (is it a plain port? use redis://)";
        }
        if (address.tls() && (all.contains("Broken pipe") || all.contains("Connection reset") || all.contains("Unexpected end of stream"))) {
            // TLS 1.3: a server that rejects the client's certificate closes the connection after the handshake
            return where + " closed the connection after the TLS handshake: does it want a client certificate it trusts? check cert= and key=";
        }
        if (address.tls() && all.contains("Read timed out")) {
            return where + " did not answer within " + CONNECT_TIMEOUT_MS / 1000 + " s (a plain port? then use redis://)";
        }
        return "no Redis answered at " + address.describe();
    }

    /** The message of the first exception in {@code e}'s causes whose class name contains {@code kind}, without class names. */
    private static String messageOf(Throwable e, String kind) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().contains(kind) && t.getMessage() != null) return withoutClassNames(t.getMessage());
        }
        return withoutClassNames(String.valueOf(e.getMessage()));
    }

    private static String withoutClassNames(String message) {
        return message.replaceAll("[\\w.$]+(Exception|Error): ", "");
    }

    private void loadScripts() {
        for (int i = 0; i < SCRIPTS.length; i++) shas[i] = redis.scriptLoad(SCRIPTS[i]);
    }

    /**
     * Runs an idempotent operation, again and again while Redis cannot be reached (a restart,
     * a failover), for up to {@link #reconnectFor}. Only reads, deltas and lease acquisition
     * (a renewal for the same owner) go through here: a delta whose reply was lost is
     * recognised by its sequence when sent again, so it still counts once — its second answer
     * says {@code fresh = false} and gives the current value. Compare-and-set, release and
     * fenced writes are not repeated: their second answer would be ambiguous; they throw.
     */
    private <T> T retrying(Supplier<T> op) {
        long deadline = System.nanoTime() + reconnectFor.toNanos();
        long pause = 10;
        while (true) {
            try {
                return op.get();
            } catch (JedisConnectionException | JedisDataException e) {
                // a restarted server answers LOADING until its data is back
                if (e instanceof JedisDataException && !String.valueOf(e.getMessage()).startsWith("LOADING")) throw e;
                if (System.nanoTime() - deadline > 0) throw e;
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pause = Math.min(200, pause * 2);
            }
        }
    }

    private Object call(int script, List<String> keys, List<String> args) {
        try {
            return redis.evalsha(shas[script], keys, args);
        } catch (JedisNoScriptException e) {
            loadScripts();
            return redis.evalsha(shas[script], keys, args);
        }
    }

    private static String counter(String key) {
        return "baton:c:" + key;
    }

    private static String lease(String lock) {
        return "baton:lease:{" + lock + "}";
    }

    private static String fence(String lock) {
        return "baton:fence:{" + lock + "}";
    }

    private static long exact(long v, String what) {
        if (v > MAX_EXACT || v < -MAX_EXACT) throw new IllegalArgumentException(what + " " + v + " is outside ±2^53 (Redis scripts count in doubles)");
        return v;
    }

    private static Applied applied(Object reply) {
        List<?> r = (List<?>) reply;
        return new Applied((Long) r.get(0), (Long) r.get(1), r.size() > 2 && (Long) r.get(2) == 1L);
    }

    @Override
    public Applied read(String key) {
        return retrying(() -> applied(call(S_READ, List.of(counter(key)), List.of())));
    }

    @Override
    public Applied apply(Delta d) {
        // the batch script is the one place the delta rules are written; a delta alone is a batch of one
        return applyAll(List.of(d)).get(0);
    }

    /** One script call per {@value #BATCH} deltas, the calls pipelined. */
    @Override
    public List<Applied> applyAll(List<Delta> deltas) {
        return retrying(() -> applyAllOnce(deltas));
    }

    private List<Applied> applyAllOnce(List<Delta> deltas) {
        List<List<Delta>> chunks = new ArrayList<>();
        for (int i = 0; i < deltas.size(); i += BATCH) chunks.add(deltas.subList(i, Math.min(deltas.size(), i + BATCH)));
        List<Response<Object>> replies = new ArrayList<>(chunks.size());
        List<List<String>> keys = new ArrayList<>(chunks.size()); // each: the key count, as text
        List<List<byte[]>> args = new ArrayList<>(chunks.size()); // each: the keys, then the arguments
        for (List<Delta> chunk : chunks) {
            Map<String, Integer> index = new LinkedHashMap<>();
            List<byte[]> a = new ArrayList<>();
            int runStart = 0;
            for (int j = 1; j <= chunk.size(); j++) {
                if (j < chunk.size() && sameRun(chunk.get(runStart), chunk.get(j))) continue;
                Delta first = chunk.get(runStart);
                int ki = index.computeIfAbsent(counter(first.key()), k -> index.size() + 1);
                a.add(bytes(Integer.toString(ki)));
                a.add(bytes(first.source()));
                a.add(bytes(Long.toString(Math.max(first.min(), -MAX_EXACT))));
                a.add(bytes(Long.toString(Math.min(first.max(), MAX_EXACT))));
                a.add(packed(chunk, runStart, j));
                runStart = j;
            }
            List<byte[]> params = new ArrayList<>(index.size() + a.size());
            for (String k : index.keySet()) params.add(bytes(k));
            params.addAll(a);
            keys.add(List.of(Integer.toString(index.size())));
            args.add(params);
        }
        if (chunks.size() == 1) {
            return batchResult(chunks.get(0), callBinary(keys.get(0), args.get(0)));
        }
        try (AbstractPipeline p = redis.pipelined()) {
            byte[] sha = bytes(shas[S_APPLY_BATCH]);
            for (int i = 0; i < chunks.size(); i++) {
                replies.add(p.evalsha(sha, Integer.parseInt(keys.get(i).get(0)), args.get(i).toArray(new byte[0][])));
            }
            p.sync();
        }
        List<Applied> out = new ArrayList<>(deltas.size());
        for (int i = 0; i < chunks.size(); i++) {
            Object reply;
            try {
                reply = replies.get(i).get();
            } catch (JedisNoScriptException e) {
                // Redis lost its scripts mid-batch (a restart): this chunk and the rest did not
                // run; run them now, in order
                reply = callBinary(keys.get(i), args.get(i));
            }
            out.addAll(batchResult(chunks.get(i), reply));
        }
        return out;
    }

    /** The batch script, called with binary arguments (keys first, their count in {@code keyCount}). */
    private Object callBinary(List<String> keyCount, List<byte[]> params) {
        int n = Integer.parseInt(keyCount.get(0));
        byte[][] p = params.toArray(new byte[0][]);
        try {
            return redis.evalsha(bytes(shas[S_APPLY_BATCH]), n, p);
        } catch (JedisNoScriptException e) {
            loadScripts();
            return redis.evalsha(bytes(shas[S_APPLY_BATCH]), n, p);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** MessagePack array of int64: {@code [seq, delta]} of each delta in {@code chunk[from, to)}. */
    private static byte[] packed(List<Delta> chunk, int from, int to) {
        int count = (to - from) * 2;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(5 + count * 9);
        if (count <= 15) b.put((byte) (0x90 | count));
        else if (count <= 0xffff) b.put((byte) 0xdc).putShort((short) count);
        else b.put((byte) 0xdd).putInt(count);
        for (int k = from; k < to; k++) {
            Delta d = chunk.get(k);
            b.put((byte) 0xd3).putLong(exact(d.seq(), "sequence"));
            b.put((byte) 0xd3).putLong(exact(d.delta(), "delta"));
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static boolean sameRun(Delta a, Delta b) {
        return a.key().equals(b.key()) && a.source().equals(b.source()) && a.min() == b.min() && a.max() == b.max();
    }

    /** Each delta's outcome, replayed from each run's starting value and version and its applied flags. */
    private static List<Applied> batchResult(List<Delta> chunk, Object reply) {
        List<?> r = (List<?>) reply;
        List<Applied> out = new ArrayList<>(chunk.size());
        int k = 0;
        for (int i = 0; i < r.size(); i += 3) {
            long v = (Long) r.get(i);
            long n = (Long) r.get(i + 1);
            Object f = r.get(i + 2);
            String flags = f instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.US_ASCII) : String.valueOf(f);
            for (int j = 0; j < flags.length(); j++, k++) {
                Delta d = chunk.get(k);
                if (flags.charAt(j) == '1') {
                    v = Math.min(Math.max(v + d.delta(), Math.max(d.min(), -MAX_EXACT)), Math.min(d.max(), MAX_EXACT));
                    n++;
                    out.add(new Applied(v, n, true));
                } else {
                    out.add(new Applied(v, n, false));
                }
            }
        }
        if (k != chunk.size()) throw new IllegalStateException("Redis answered " + k + " of " + chunk.size() + " deltas");
        return out;
    }

    @Override
    public boolean compareAndSet(String key, long expectedVersion, long value) {
        return (Long) call(S_CAS, List.of(counter(key)), List.of(Long.toString(expectedVersion), Long.toString(exact(value, "value")))) == 1L;
    }

    @Override
    public OptionalLong acquire(String lock, String owner, Duration lease) {
        long ms = Math.max(1, lease.toMillis());
        long token = retrying(() -> (Long) call(S_ACQUIRE, List.of(lease(lock), fence(lock)), List.of(owner, Long.toString(ms))));
        return token < 0 ? OptionalLong.empty() : OptionalLong.of(token);
    }

    @Override
    public boolean release(String lock, String owner) {
        return (Long) call(S_RELEASE, List.of(lease(lock)), List.of(owner)) == 1L;
    }

    @Override
    public boolean fencedSet(String lock, long token, String key, long value) {
        return (Long) call(S_FENCED_SET, List.of(fence(lock), counter(key)), List.of(Long.toString(token), Long.toString(exact(value, "value")))) == 1L;
    }

    /**
     * Publishes a run's globals ({@code name -> JSON}) as of {@code engineTime} to the hash
     * {@code baton:state:{run}} (field {@code @time} holds the time). Idempotent: a state older
     * than the stored one is ignored (a re-executing engine sends states it sent before), so it
     * keeps trying through a Redis restart like a delta does. Returns false when ignored.
     */
    public boolean publishState(String run, long engineTime, Map<String, String> json) {
        List<String> args = new ArrayList<>(1 + json.size() * 2);
        args.add(Long.toString(engineTime));
        json.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        return retrying(() -> (Long) call(S_PUBLISH_STATE, List.of(stateKey(run)), args)) == 1L;
    }

    /** A run's published globals, {@code name -> JSON}, with {@code @time}; empty when none. */
    public Map<String, String> readState(String run) {
        return retrying(() -> redis.hgetAll(stateKey(run)));
    }

    /**
     * Stores an immutable blob under {@code baton:blob:{id}} ({@code id} should name its content,
     * e.g. a digest, so writing it again is harmless), expiring after {@code ttl} unless read.
     * Idempotent: retried through a Redis restart like a delta.
     */
    public void putBlob(String id, byte[] bytes, Duration ttl) {
        retrying(() -> redis.set(blobKey(id), bytes, SetParams.setParams().px(ttl.toMillis())));
    }

    /** A blob stored by {@link #putBlob}, its expiry pushed back to {@code ttl} from now; null when there is none. */
    public byte[] getBlob(String id, Duration ttl) {
        return retrying(() -> redis.getEx(blobKey(id), GetExParams.getExParams().px(ttl.toMillis())));
    }

    // ================================================================== hot modules

    /** How long a writer's batch outcomes are kept after its last batch (a run that was away this long sends none again). */
    static final Duration HOT_OUTCOMES_TTL = Duration.ofDays(7);

    private static byte[] hotKey(String key) {
        return ("baton:hot:{" + key + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] hotOutcomesKey(String key, String writer) {
        return ("baton:hot:{" + key + "}:o:" + writer).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A hot module's record, {@code baton:hot:{KEY}} (kept until deleted: it is the module's state). */
    @Override
    public Versioned readRecord(String key) {
        return retrying(() -> {
            List<byte[]> r = redis.hmget(hotKey(key), utf8("n"), utf8("d"));
            if (r.get(0) == null) return new Versioned(0, null);
            return new Versioned(Long.parseLong(new String(r.get(0), java.nio.charset.StandardCharsets.UTF_8)), r.get(1));
        });
    }

    @Override
    public byte[] outcomes(String key, String writer, long batch) {
        return retrying(() -> redis.hget(hotOutcomesKey(key, writer), utf8(Long.toString(batch))));
    }

    /**
     * One script call. Kept trying through a Redis restart: a commit whose answer was lost is
     * answered "not written" the second time (the version moved on), and the caller then finds the
     * batch's outcomes stored, so the batch still counts once.
     */
    @Override
    public boolean commit(String key, long expected, byte[] data, String writer, long batch, byte[] outcomes, long oldest) {
        List<byte[]> keys = List.of(hotKey(key), hotOutcomesKey(key, writer));
        List<byte[]> args = List.of(utf8(Long.toString(expected)), data, utf8(Long.toString(batch)), outcomes, utf8(Long.toString(oldest)),
                utf8(Long.toString(HOT_OUTCOMES_TTL.toMillis())));
        return retrying(() -> {
            try {
                return (Long) redis.evalsha(utf8(shas[S_HOT_COMMIT]), keys, args);
            } catch (JedisNoScriptException e) {
                loadScripts();
                return (Long) redis.evalsha(utf8(shas[S_HOT_COMMIT]), keys, args);
            }
        }) == 1L;
    }

    private static byte[] blobKey(String id) {
        return ("baton:blob:" + id).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String stateKey(String run) {
        return "baton:state:{" + run + "}";
    }

    @Override
    public void close() {
        redis.close();
    }
}
