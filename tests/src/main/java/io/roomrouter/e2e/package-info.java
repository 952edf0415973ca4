/**
 * Runs the real stack (haproxy with the reference configuration, the agent jar, game servers) on 127.0.0.1 and
 * drives real WebSocket players through it; shared by the demo and the integration tests.
 */
package io.roomrouter.e2e;
