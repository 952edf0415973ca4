/**
 * Where rooms live between joins: one asynchronous {@link io.roomrouter.store.RoomStore} interface, served in
 * memory (one HAProxy, zero set-up) or by Redis (several HAProxy instances that must agree).
 */
package io.roomrouter.store;
