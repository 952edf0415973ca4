package io.roomrouter.store;

import java.util.Collection;

/**
 * What reconciling the rooms an agent knows with Redis did, after Redis came back: {@code adopted} rooms Redis
 * did not have, {@code kept} rooms Redis had on the same server, {@code corrected} late placements moved to
 * where their players went, {@code conflicts} rooms Redis had on another server (Redis's answer now stands).
 */
record Reconciliation(int adopted, int kept, int corrected, int conflicts, int failed) {

    static Reconciliation count(Collection<String> outcomes) {
        int adopted = 0;
        int kept = 0;
        int corrected = 0;
        int conflicts = 0;
        int failed = 0;
        for (String outcome : outcomes) {
            switch (outcome) {
                case "adopted" -> adopted++;
                case "kept" -> kept++;
                case "corrected" -> corrected++;
                case "conflict" -> conflicts++;
                default -> failed++;
            }
        }
        return new Reconciliation(adopted, kept, corrected, conflicts, failed);
    }

    int total() {
        return adopted + kept + corrected + conflicts + failed;
    }
}
