/**
 * The Stream Processing Offload Protocol (SPOP 2.0) as HAProxy speaks it: frames, varints, typed data.
 *
 * <p>This package knows nothing about rooms: it turns bytes into immutable {@link io.roomrouter.spop.SpopFrame}s
 * and back, and reports malformed input as a {@link io.roomrouter.spop.SpopCodecException} carrying the
 * {@link io.roomrouter.spop.SpopStatus} to send in the AGENT-DISCONNECT.
 *
 * @see <a href="https://github.com/haproxy/haproxy/blob/master/doc/SPOE.txt">SPOE.txt</a>
 */
package io.roomrouter.spop;
