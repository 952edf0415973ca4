package io.roomrouter.spop;

/** One SPOP frame, in either direction. Frames are immutable and hold no reference-counted buffers. */
public sealed interface SpopFrame
        permits HaproxyHello, HaproxyDisconnect, Notify, AgentHello, AgentDisconnect, Ack {

    /** The frame's type byte on the wire. */
    SpopFrameType type();
}
