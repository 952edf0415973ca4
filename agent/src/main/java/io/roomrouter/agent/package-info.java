/**
 * The wiring: command-line options, the Netty SPOP server, the per-connection session state machine, and the
 * handler that turns a {@code room-join} message into a decision and an ACK. Data flows one way: bytes, frame,
 * join request, decision, ACK.
 */
package io.roomrouter.agent;
