package io.roomrouter.store;

/**
 * What reconciling the rooms an agent knows with Redis did, after an interruption: {@code adopted} rooms Redis did
 * not have (it keeps them where the agent routed them), {@code kept} rooms Redis had on the same server,
 * {@code conflicts} rooms Redis had on another server (Redis's server stands; the agent follows it).
 */
record Reconciliation(int adopted, int kept, int conflicts) {

    /** Every room offered. */
    int total() {
        return adopted + kept + conflicts;
    }
}
