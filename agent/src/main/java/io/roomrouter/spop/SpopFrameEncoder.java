package io.roomrouter.spop;

import static io.roomrouter.spop.SpopConstants.ACTION_SET_VAR;
import static io.roomrouter.spop.SpopConstants.ACTION_UNSET_VAR;
import static io.roomrouter.spop.SpopConstants.FLAG_FIN;
import static io.roomrouter.spop.SpopConstants.KEY_CAPABILITIES;
import static io.roomrouter.spop.SpopConstants.KEY_ENGINE_ID;
import static io.roomrouter.spop.SpopConstants.KEY_HEALTHCHECK;
import static io.roomrouter.spop.SpopConstants.KEY_MAX_FRAME_SIZE;
import static io.roomrouter.spop.SpopConstants.KEY_MESSAGE;
import static io.roomrouter.spop.SpopConstants.KEY_STATUS_CODE;
import static io.roomrouter.spop.SpopConstants.KEY_SUPPORTED_VERSIONS;
import static io.roomrouter.spop.SpopConstants.KEY_VERSION;
import static io.roomrouter.spop.SpopConstants.LENGTH_FIELD_BYTES;
import static io.roomrouter.spop.SpopConstants.MAX_ARGS;
import static io.roomrouter.spop.SpopConstants.MAX_DISCONNECT_MESSAGE_BYTES;
import static io.roomrouter.spop.SpopConstants.SET_VAR_ARGS;
import static io.roomrouter.spop.SpopConstants.UNSET_VAR_ARGS;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes {@link SpopFrame}s of both directions, LENGTH prefix included, into one buffer of the exact size per
 * frame. Every frame goes out with FLAGS {@code 00 00 00 01} (FIN): the agent never fragments, and HAProxy 3.1+'s
 * health check wants FLAGS to be exactly 1.
 *
 * <p>The encoder does not know the max-frame-size negotiated in the HELLO exchange, so it cannot enforce it: the
 * caller must keep what it puts into a frame (the actions of an ACK, above all) small enough that {@link
 * #encodedSize} minus the 4 bytes of LENGTH stays within the negotiated size. HAProxy drops a connection that sends
 * a larger frame.
 *
 * <p>A DISCONNECT message is cut to at most 255 UTF-8 bytes, on a character boundary: HAProxy 2.6 to 3.0 reject a
 * longer one.
 *
 * @see <a href="https://github.com/haproxy/haproxy/blob/master/doc/SPOE.txt">SPOE.txt §3</a>
 */
@Sharable
public final class SpopFrameEncoder extends MessageToByteEncoder<SpopFrame> {

    /** The encoder holds no state: one instance serves every channel. */
    public static final SpopFrameEncoder INSTANCE = new SpopFrameEncoder();

    /** TYPE (1) + FLAGS (4). */
    private static final int TYPE_AND_FLAGS_BYTES = 5;

    private SpopFrameEncoder() {
        super(SpopFrame.class);
    }

    /**
     * Encodes {@code frame} into one new buffer of exactly {@link #encodedSize} bytes, for callers outside a
     * pipeline: one buffer per frame means one write per frame. The caller owns (and must release) the buffer.
     *
     * @throws IllegalArgumentException if a NOTIFY message has more than 255 arguments
     */
    public static ByteBuf encode(ByteBufAllocator alloc, SpopFrame frame) {
        int size = encodedSize(frame);
        ByteBuf out = alloc.ioBuffer(size, size);
        try {
            write(out, frame);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** The number of bytes {@code frame} takes on the wire, the 4 bytes of LENGTH included. */
    public static int encodedSize(SpopFrame frame) {
        return LENGTH_FIELD_BYTES + TYPE_AND_FLAGS_BYTES + idsAndPayloadSize(frame);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, SpopFrame frame, boolean preferDirect) {
        int size = encodedSize(frame);
        return preferDirect ? ctx.alloc().ioBuffer(size, size) : ctx.alloc().heapBuffer(size, size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, SpopFrame frame, ByteBuf out) {
        write(out, frame);
    }

    private static void write(ByteBuf out, SpopFrame frame) {
        int lengthIndex = out.writerIndex();
        // LENGTH: set from what was really written, once the frame is complete
        out.writeInt(0);
        out.writeByte(frame.type().code());
        out.writeInt(FLAG_FIN);
        switch (frame.type()) {
            case HAPROXY_HELLO, HAPROXY_DISCONNECT, AGENT_HELLO, AGENT_DISCONNECT -> {
                // stream-id 0, frame-id 0: these frames belong to no stream
                Varint.write(out, 0);
                Varint.write(out, 0);
                for (KvEntry entry : kvEntries(frame)) {
                    TypedDataCodec.writeString(out, entry.key());
                    TypedDataCodec.write(out, entry.value());
                }
            }
            case NOTIFY -> {
                Notify notify = (Notify) frame;
                Varint.write(out, notify.streamId());
                Varint.write(out, notify.frameId());
                for (SpopMessage message : notify.messages()) {
                    writeMessage(out, message);
                }
            }
            case ACK -> {
                Ack ack = (Ack) frame;
                Varint.write(out, ack.streamId());
                Varint.write(out, ack.frameId());
                for (SpopAction action : ack.actions()) {
                    writeAction(out, action);
                }
            }
        }
        out.setInt(lengthIndex, out.writerIndex() - lengthIndex - LENGTH_FIELD_BYTES);
    }

    private static int idsAndPayloadSize(SpopFrame frame) {
        return switch (frame.type()) {
            case HAPROXY_HELLO, HAPROXY_DISCONNECT, AGENT_HELLO, AGENT_DISCONNECT -> {
                int size = Varint.size(0) + Varint.size(0);
                for (KvEntry entry : kvEntries(frame)) {
                    size += TypedDataCodec.stringSize(entry.key()) + TypedDataCodec.size(entry.value());
                }
                yield size;
            }
            case NOTIFY -> {
                Notify notify = (Notify) frame;
                int size = Varint.size(notify.streamId()) + Varint.size(notify.frameId());
                for (SpopMessage message : notify.messages()) {
                    size += messageSize(message);
                }
                yield size;
            }
            case ACK -> {
                Ack ack = (Ack) frame;
                int size = Varint.size(ack.streamId()) + Varint.size(ack.frameId());
                for (SpopAction action : ack.actions()) {
                    size += actionSize(action);
                }
                yield size;
            }
        };
    }

    /** The KV-list of a HELLO or DISCONNECT frame, in the order HAProxy writes its own. */
    private static List<KvEntry> kvEntries(SpopFrame frame) {
        List<KvEntry> entries = new ArrayList<>(5);
        if (frame instanceof HaproxyHello hello) {
            entries.add(new KvEntry(KEY_SUPPORTED_VERSIONS, new TypedData.Str(hello.supportedVersions())));
            entries.add(new KvEntry(KEY_MAX_FRAME_SIZE, TypedData.Int.uint32(hello.maxFrameSize())));
            entries.add(new KvEntry(KEY_CAPABILITIES, new TypedData.Str(hello.capabilities())));
            if (hello.healthcheck()) {
                entries.add(new KvEntry(KEY_HEALTHCHECK, new TypedData.Bool(true)));
            }
            hello.engineId().ifPresent(id -> entries.add(new KvEntry(KEY_ENGINE_ID, new TypedData.Str(id))));
        } else if (frame instanceof AgentHello hello) {
            // all three keys, capabilities even when empty: HAProxy 3.1+'s spop-check requires each of them
            entries.add(new KvEntry(KEY_VERSION, new TypedData.Str(hello.version())));
            entries.add(new KvEntry(KEY_MAX_FRAME_SIZE, TypedData.Int.uint32(hello.maxFrameSize())));
            entries.add(new KvEntry(KEY_CAPABILITIES, new TypedData.Str(hello.capabilities())));
        } else if (frame instanceof HaproxyDisconnect disconnect) {
            addDisconnect(entries, disconnect.statusCode(), disconnect.message());
        } else if (frame instanceof AgentDisconnect disconnect) {
            addDisconnect(entries, disconnect.status().code(), disconnect.message());
        } else {
            throw new IllegalArgumentException("frame: " + frame + " (expected: a HELLO or DISCONNECT frame)");
        }
        return entries;
    }

    private static void addDisconnect(List<KvEntry> entries, long statusCode, String message) {
        entries.add(new KvEntry(KEY_STATUS_CODE, TypedData.Int.uint32(statusCode)));
        entries.add(new KvEntry(KEY_MESSAGE, new TypedData.Str(truncateUtf8(message, MAX_DISCONNECT_MESSAGE_BYTES))));
    }

    /** Cuts {@code text} to at most {@code maxBytes} UTF-8 bytes without splitting a character. */
    static String truncateUtf8(String text, int maxBytes) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return text;
        }
        int end = maxBytes;
        // bytes[end] is the first byte left out; while it continues a sequence (10xxxxxx), leave out its lead too
        while ((bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    private static void writeMessage(ByteBuf out, SpopMessage message) {
        TypedDataCodec.writeString(out, message.name());
        out.writeByte(nbArgs(message));
        for (SpopMessage.Arg arg : message.args()) {
            TypedDataCodec.writeString(out, arg.name());
            TypedDataCodec.write(out, arg.value());
        }
    }

    private static int messageSize(SpopMessage message) {
        nbArgs(message);
        int size = TypedDataCodec.stringSize(message.name()) + 1;
        for (SpopMessage.Arg arg : message.args()) {
            size += TypedDataCodec.stringSize(arg.name()) + TypedDataCodec.size(arg.value());
        }
        return size;
    }

    /** NB-ARGS is one byte. */
    private static int nbArgs(SpopMessage message) {
        int nbArgs = message.args().size();
        if (nbArgs > MAX_ARGS) {
            throw new IllegalArgumentException(
                    "message " + message.name() + " args: " + nbArgs + " (expected: <= " + MAX_ARGS + ")");
        }
        return nbArgs;
    }

    /** Scope and name are written without type bytes, as HAProxy's action decoder reads them (§1.8). */
    private static void writeAction(ByteBuf out, SpopAction action) {
        if (action instanceof SpopAction.SetVar setVar) {
            out.writeByte(ACTION_SET_VAR);
            out.writeByte(SET_VAR_ARGS);
            out.writeByte(setVar.scope().id());
            TypedDataCodec.writeString(out, setVar.name());
            TypedDataCodec.write(out, setVar.value());
        } else {
            out.writeByte(ACTION_UNSET_VAR);
            out.writeByte(UNSET_VAR_ARGS);
            out.writeByte(action.scope().id());
            TypedDataCodec.writeString(out, action.name());
        }
    }

    private static int actionSize(SpopAction action) {
        // action type, nb-args and scope: one byte each
        int size = 3 + TypedDataCodec.stringSize(action.name());
        if (action instanceof SpopAction.SetVar setVar) {
            size += TypedDataCodec.size(setVar.value());
        }
        return size;
    }

    private record KvEntry(String key, TypedData value) {}
}
