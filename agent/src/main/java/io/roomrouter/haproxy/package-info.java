/**
 * HAProxy's runtime API (the stats socket): which backends and servers exist, their state, {@code maxconn} and
 * live connections, refreshed in the background so that a decision never waits for it.
 */
package io.roomrouter.haproxy;
