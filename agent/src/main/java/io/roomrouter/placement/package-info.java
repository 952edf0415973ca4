/**
 * Where a room goes: the placement policy and the values it works on. Everything here is pure (no I/O, no
 * clock, no shared state), so the rules can be tested in isolation and shared by every store.
 */
package io.roomrouter.placement;
