/**
 * Benchmarks: the agent alone under a SPOP load generator of our own, the cost of the agent through HAProxy
 * (wrk), heap per room, and placement quality against HAProxy's own balancing. {@link io.roomrouter.bench.BenchMain}
 * runs them all and writes {@code results.json}.
 */
package io.roomrouter.bench;
