package dev.baton.temporal;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Keeps large payloads out of Temporal's history (the claim-check pattern): a payload whose
 * encoded size is above {@code offloadAbove} bytes is stored whole in the {@link BlobStore}
 * under the SHA-256 of its bytes, and the history holds a small reference payload
 * (encoding {@value #ENCODING}, data {@code <sha256>:<length>}) instead. Decoding fetches the
 * blob and checks its digest, so a replay sees exactly the bytes the original run did.
 *
 * <p>Without a store nothing is offloaded; a reference met then (a run started by a process that
 * had one) is an error that says what to give.
 */
final class LargePayloadCodec implements PayloadCodec {
    static final String ENCODING = "binary/baton-blob";
    private static final ByteString ENCODING_BYTES = ByteString.copyFromUtf8(ENCODING);

    private final BlobStore store;
    private final int offloadAbove;

    LargePayloadCodec(BlobStore store, int offloadAbove) {
        this.store = store;
        this.offloadAbove = offloadAbove;
    }

    @Override
    public List<Payload> encode(List<Payload> payloads) {
        if (store == null) return payloads;
        List<Payload> out = new ArrayList<>(payloads.size());
        for (Payload p : payloads) {
            if (p.getSerializedSize() <= offloadAbove) {
                out.add(p);
                continue;
            }
            byte[] bytes = p.toByteArray();
            String id = sha256(bytes);
            store.put(id, bytes);
            out.add(Payload.newBuilder().putMetadata("encoding", ENCODING_BYTES)
                    .setData(ByteString.copyFrom(id + ":" + bytes.length, StandardCharsets.US_ASCII)).build());
        }
        return out;
    }

    @Override
    public List<Payload> decode(List<Payload> payloads) {
        List<Payload> out = new ArrayList<>(payloads.size());
        for (Payload p : payloads) out.add(isReference(p) ? fetch(p) : p);
        return out;
    }

    static boolean isReference(Payload p) {
        return ENCODING_BYTES.equals(p.getMetadataOrDefault("encoding", ByteString.EMPTY));
    }

    private Payload fetch(Payload reference) {
        String ref = reference.getData().toString(StandardCharsets.US_ASCII);
        String id = ref.substring(0, Math.max(0, ref.indexOf(':')));
        if (store == null) {
            throw new PayloadCodecException("a payload of this run (" + ref + ") is kept in a blob store and this process has none:"
                    + " give it the same --state redis://HOST:PORT as the process that started the run");
        }
        byte[] bytes = store.get(id);
        if (bytes == null) throw new PayloadCodecException("payload " + id + " is missing from " + store.where() + " (expired or deleted)");
        if (!sha256(bytes).equals(id)) throw new PayloadCodecException("payload " + id + " in " + store.where() + " does not match its digest");
        try {
            return Payload.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new PayloadCodecException("payload " + id + " in " + store.where() + " is not a payload", e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
