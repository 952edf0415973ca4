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
import static io.roomrouter.spop.SpopConstants.MIN_FRAME_LENGTH;
import static io.roomrouter.spop.SpopConstants.SET_VAR_ARGS;
import static io.roomrouter.spop.SpopConstants.UNSET_VAR_ARGS;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decodes SPOP frames into {@link SpopFrame}s: waits for the whole frame announced by the 4-byte LENGTH, then
 * parses it. Strings and binaries are copied out, so no {@code ByteBuf} leaves the decoder.
 *
 * <p>LENGTH is checked against {@link #maxFrameSize()} as soon as its 4 bytes are in, before the body is awaited.
 * Any malformed or unacceptable frame fails with a {@link SpopCodecException} whose {@link
 * SpopCodecException#status() status} is the code for the AGENT-DISCONNECT. The decoder throws once, then discards
 * everything that follows: a byte stream that went wrong once cannot be trusted. It does not close the channel;
 * the handler that catches the exception sends the DISCONNECT and closes.
 *
 * <p>Not sharable: it holds the cumulation buffer, the negotiated limit and the error state of one connection.
 *
 * @see <a href="https://github.com/haproxy/haproxy/blob/master/doc/SPOE.txt">SPOE.txt §3</a>
 */
public final class SpopFrameDecoder extends ByteToMessageDecoder {

    /** Which side's frames this decoder accepts. */
    private enum Role {
        /** Receives HAPROXY-HELLO, HAPROXY-DISCONNECT and NOTIFY. */
        AGENT(true, "1, 2 or 3"),
        /** Receives AGENT-HELLO, AGENT-DISCONNECT and ACK. */
        HAPROXY(false, "101, 102 or 103");

        private final boolean receivesHaproxyFrames;
        private final String expectedTypes;

        Role(boolean receivesHaproxyFrames, String expectedTypes) {
            this.receivesHaproxyFrames = receivesHaproxyFrames;
            this.expectedTypes = expectedTypes;
        }

        // values() clones its array on every call, and this runs for every frame.
        private static final SpopFrameType[] FRAME_TYPES = SpopFrameType.values();

        SpopFrameType frameType(int code) {
            for (SpopFrameType type : FRAME_TYPES) {
                if (type.code() == code && type.sentByHaproxy() == receivesHaproxyFrames) {
                    return type;
                }
            }
            throw new SpopCodecException(
                    SpopStatus.INVALID, "frame type: " + code + " (expected: " + expectedTypes + ")");
        }
    }

    private final Role role;
    private final RepeatedNames names = new RepeatedNames();
    private int maxFrameSize;
    private boolean corrupt;

    private SpopFrameDecoder(Role role, int maxFrameSize) {
        this.role = role;
        this.maxFrameSize = checkMaxFrameSize(maxFrameSize);
    }

    /** A decoder for the agent's side: accepts only the frames HAProxy sends (1, 2 and 3). */
    public static SpopFrameDecoder forAgent(int maxFrameSize) {
        return new SpopFrameDecoder(Role.AGENT, maxFrameSize);
    }

    /**
     * A decoder for HAProxy's side, for load generators and tests: accepts only the frames an agent sends (101,
     * 102 and 103). It is as strict as HAProxy's strictest check: an AGENT-HELLO must carry all three keys.
     */
    public static SpopFrameDecoder forHaproxy(int maxFrameSize) {
        return new SpopFrameDecoder(Role.HAPROXY, maxFrameSize);
    }

    /** The largest LENGTH accepted (the 4 bytes of LENGTH itself not counted). */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Sets the largest LENGTH accepted from the next frame on, typically the size agreed in the HELLO exchange. */
    public void maxFrameSize(int negotiated) {
        this.maxFrameSize = checkMaxFrameSize(negotiated);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (corrupt) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            if (!isFrameComplete(in)) {
                return;
            }
            long length = in.readUnsignedInt();
            out.add(parse(in.readSlice((int) length)));
        } catch (SpopCodecException e) {
            corrupt = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    /** Checks LENGTH as soon as it is readable and tells whether the whole frame is there, consuming nothing. */
    private boolean isFrameComplete(ByteBuf in) {
        if (in.readableBytes() < LENGTH_FIELD_BYTES) {
            return false;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length > maxFrameSize) {
            throw new SpopCodecException(
                    SpopStatus.TOO_BIG, "frame length: " + length + " (expected: <= " + maxFrameSize + ")");
        }
        if (length < MIN_FRAME_LENGTH) {
            throw new SpopCodecException(
                    SpopStatus.INVALID, "frame length: " + length + " (expected: >= " + MIN_FRAME_LENGTH + ")");
        }
        return in.readableBytes() - LENGTH_FIELD_BYTES >= length;
    }

    /** Parses one frame; {@code frame} holds exactly TYPE .. end of PAYLOAD, at least 7 bytes. */
    private SpopFrame parse(ByteBuf frame) {
        SpopFrameType type = role.frameType(frame.readUnsignedByte());
        int flags = frame.readInt();
        if ((flags & FLAG_FIN) == 0) {
            throw new SpopCodecException(
                    SpopStatus.NO_FRAGMENTATION,
                    "frame flags: " + String.format("0x%08x", flags) + " (expected: FIN bit 0x00000001 set)");
        }
        long streamId = Varint.read(frame);
        long frameId = Varint.read(frame);
        return switch (type) {
            case HAPROXY_HELLO -> haproxyHello(checkNoIds(type, streamId, frameId, frame));
            case HAPROXY_DISCONNECT -> haproxyDisconnect(checkNoIds(type, streamId, frameId, frame));
            case NOTIFY -> new Notify(streamId, frameId, messages(frame));
            case AGENT_HELLO -> agentHello(checkNoIds(type, streamId, frameId, frame));
            case AGENT_DISCONNECT -> agentDisconnect(checkNoIds(type, streamId, frameId, frame));
            case ACK -> new Ack(streamId, frameId, actions(frame));
        };
    }

    /** HELLO and DISCONNECT frames belong to no stream: both ids are 0. Returns the payload. */
    private static ByteBuf checkNoIds(SpopFrameType type, long streamId, long frameId, ByteBuf payload) {
        if (streamId != 0 || frameId != 0) {
            throw new SpopCodecException(
                    SpopStatus.INVALID,
                    wireName(type) + " stream-id/frame-id: " + Long.toUnsignedString(streamId) + "/"
                            + Long.toUnsignedString(frameId) + " (expected: 0/0)");
        }
        return payload;
    }

    private static HaproxyHello haproxyHello(ByteBuf payload) {
        String supportedVersions = null;
        Long maxFrameSize = null;
        // HAProxy 2.6 to 3.0 send it, but it is not needed to answer: absent reads as "no capabilities"
        String capabilities = "";
        boolean healthcheck = false;
        Optional<String> engineId = Optional.empty();
        while (payload.isReadable()) {
            String key = TypedDataCodec.readString(payload, "key");
            TypedData value = TypedDataCodec.read(payload);
            switch (key) {
                case KEY_SUPPORTED_VERSIONS -> supportedVersions = string(key, value);
                case KEY_MAX_FRAME_SIZE -> maxFrameSize = integer(key, value);
                case KEY_CAPABILITIES -> capabilities = string(key, value);
                case KEY_HEALTHCHECK -> healthcheck = bool(key, value);
                case KEY_ENGINE_ID -> engineId = Optional.of(string(key, value));
                default -> {
                    // unknown keys are skipped, both ways (§1.6); their value has been read past
                }
            }
        }
        if (supportedVersions == null) {
            throw missing(SpopStatus.NO_VERSION, SpopFrameType.HAPROXY_HELLO, KEY_SUPPORTED_VERSIONS);
        }
        if (maxFrameSize == null) {
            throw missing(SpopStatus.NO_FRAME_SIZE, SpopFrameType.HAPROXY_HELLO, KEY_MAX_FRAME_SIZE);
        }
        return new HaproxyHello(supportedVersions, maxFrameSize, capabilities, healthcheck, engineId);
    }

    private static AgentHello agentHello(ByteBuf payload) {
        String version = null;
        Long maxFrameSize = null;
        String capabilities = null;
        while (payload.isReadable()) {
            String key = TypedDataCodec.readString(payload, "key");
            TypedData value = TypedDataCodec.read(payload);
            switch (key) {
                case KEY_VERSION -> version = string(key, value);
                case KEY_MAX_FRAME_SIZE -> maxFrameSize = integer(key, value);
                case KEY_CAPABILITIES -> capabilities = string(key, value);
                default -> {
                    // unknown keys are skipped; their value has been read past
                }
            }
        }
        // all three are required, as HAProxy 3.1+'s spop-check requires them
        if (version == null) {
            throw missing(SpopStatus.NO_VERSION, SpopFrameType.AGENT_HELLO, KEY_VERSION);
        }
        if (maxFrameSize == null) {
            throw missing(SpopStatus.NO_FRAME_SIZE, SpopFrameType.AGENT_HELLO, KEY_MAX_FRAME_SIZE);
        }
        if (capabilities == null) {
            throw missing(SpopStatus.NO_CAPABILITIES, SpopFrameType.AGENT_HELLO, KEY_CAPABILITIES);
        }
        return new AgentHello(version, maxFrameSize, capabilities);
    }

    private static HaproxyDisconnect haproxyDisconnect(ByteBuf payload) {
        DisconnectFields fields = disconnectFields(payload);
        return new HaproxyDisconnect(fields.statusCode, fields.message);
    }

    private static AgentDisconnect agentDisconnect(ByteBuf payload) {
        DisconnectFields fields = disconnectFields(payload);
        return new AgentDisconnect(SpopStatus.valueOf(fields.statusCode), fields.message);
    }

    /**
     * Like HAProxy, requires neither key: the peer is leaving either way. A missing status-code reads as 99
     * ("an unknown error occurred"), a missing message as the empty string.
     */
    private static DisconnectFields disconnectFields(ByteBuf payload) {
        DisconnectFields fields = new DisconnectFields();
        while (payload.isReadable()) {
            String key = TypedDataCodec.readString(payload, "key");
            TypedData value = TypedDataCodec.read(payload);
            switch (key) {
                case KEY_STATUS_CODE -> fields.statusCode = integer(key, value);
                case KEY_MESSAGE -> fields.message = string(key, value);
                default -> {
                    // unknown keys are skipped; their value has been read past
                }
            }
        }
        return fields;
    }

    /** LIST-OF-MESSAGES: possibly empty; each is NAME, NB-ARGS (u8), then NB-ARGS (untyped name, typed value). */
    private List<SpopMessage> messages(ByteBuf payload) {
        List<SpopMessage> messages = new ArrayList<>();
        while (payload.isReadable()) {
            String name = names.read(payload, "message name");
            TypedDataCodec.requireReadable(payload, 1, "nb-args");
            int nbArgs = payload.readUnsignedByte();
            List<SpopMessage.Arg> args = new ArrayList<>(nbArgs);
            for (int i = 0; i < nbArgs; i++) {
                String argName = names.read(payload, "argument name");
                args.add(new SpopMessage.Arg(argName, TypedDataCodec.read(payload)));
            }
            messages.add(new SpopMessage(name, args));
        }
        return messages;
    }

    /** LIST-OF-ACTIONS: possibly empty; scope and name are untyped (§1.8). */
    private List<SpopAction> actions(ByteBuf payload) {
        List<SpopAction> actions = new ArrayList<>();
        while (payload.isReadable()) {
            TypedDataCodec.requireReadable(payload, 2, "action type and nb-args");
            int actionType = payload.readUnsignedByte();
            int nbArgs = payload.readUnsignedByte();
            switch (actionType) {
                case ACTION_SET_VAR -> {
                    checkArgs("set-var", nbArgs, SET_VAR_ARGS);
                    VarScope scope = scope(payload);
                    String name = names.read(payload, "variable name");
                    actions.add(new SpopAction.SetVar(scope, name, TypedDataCodec.read(payload)));
                }
                case ACTION_UNSET_VAR -> {
                    checkArgs("unset-var", nbArgs, UNSET_VAR_ARGS);
                    VarScope scope = scope(payload);
                    actions.add(new SpopAction.UnsetVar(scope, names.read(payload, "variable name")));
                }
                default -> throw new SpopCodecException(
                        SpopStatus.INVALID,
                        "action type: " + actionType + " (expected: " + ACTION_SET_VAR + " or " + ACTION_UNSET_VAR
                                + ")");
            }
        }
        return actions;
    }

    private static VarScope scope(ByteBuf payload) {
        TypedDataCodec.requireReadable(payload, 1, "var scope");
        return VarScope.valueOf(payload.readUnsignedByte());
    }

    private static void checkArgs(String action, int nbArgs, int expected) {
        if (nbArgs != expected) {
            throw new SpopCodecException(
                    SpopStatus.INVALID, action + " nb-args: " + nbArgs + " (expected: " + expected + ")");
        }
    }

    private static String string(String key, TypedData value) {
        if (value instanceof TypedData.Str str) {
            return str.value();
        }
        throw wrongType(key, value, "STRING");
    }

    /** HAProxy accepts any of the four integer types for its integer keys. */
    private static long integer(String key, TypedData value) {
        if (value instanceof TypedData.Int integer) {
            return integer.value();
        }
        throw wrongType(key, value, "INT32, UINT32, INT64 or UINT64");
    }

    private static boolean bool(String key, TypedData value) {
        if (value instanceof TypedData.Bool bool) {
            return bool.value();
        }
        throw wrongType(key, value, "BOOL");
    }

    private static SpopCodecException wrongType(String key, TypedData value, String expected) {
        return new SpopCodecException(
                SpopStatus.INVALID,
                key + " type: " + TypedDataCodec.typeName(value) + " (expected: " + expected + ")");
    }

    private static SpopCodecException missing(SpopStatus status, SpopFrameType type, String key) {
        return new SpopCodecException(status, wireName(type) + " key " + key + ": missing (expected: present)");
    }

    private static String wireName(SpopFrameType type) {
        return type.name().replace('_', '-');
    }

    private static int checkMaxFrameSize(int maxFrameSize) {
        if (maxFrameSize < MIN_FRAME_LENGTH) {
            throw new IllegalArgumentException(
                    "maxFrameSize: " + maxFrameSize + " (expected: >= " + MIN_FRAME_LENGTH + ")");
        }
        return maxFrameSize;
    }

    /** The two keys of either DISCONNECT, filled in as the KV-list is read. */
    private static final class DisconnectFields {
        long statusCode = SpopStatus.UNKNOWN.code();
        String message = "";
    }
}
