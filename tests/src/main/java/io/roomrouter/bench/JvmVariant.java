package io.roomrouter.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Extra JVM flags the agents of one side of a comparison run with, after {@code agent/jvm.options}: {@code default}
 * (none) or flags such as {@code -XX:TieredStopAtLevel=1}. The label names the variant's figures.
 */
record JvmVariant(String label, List<String> flags) {

    /**
     * Variants separated by {@code |}, flags within one by spaces: {@code default|-XX:TieredStopAtLevel=1}. A
     * {@code |} because flags themselves hold commas ({@code -Xlog:gc*,safepoint}) and never a bar.
     */
    static List<JvmVariant> parseAll(String setting) {
        List<JvmVariant> variants = Arrays.stream(setting.split("\\|", -1)).map(String::trim)
                .map(JvmVariant::parse).toList();
        if (variants.stream().map(JvmVariant::label).distinct().count() != variants.size()) {
            throw new IllegalArgumentException("JVM variants: " + setting + " (expected: each variant once)");
        }
        return variants;
    }

    private static JvmVariant parse(String flags) {
        if (flags.isEmpty() || flags.equals("default")) {
            return new JvmVariant("default", List.of());
        }
        return new JvmVariant(flags, List.of(flags.split("\\s+", -1)));
    }
}
