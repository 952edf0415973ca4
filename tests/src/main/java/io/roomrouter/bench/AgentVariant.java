package io.roomrouter.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the agents of one side of a comparison run with beyond their defaults: {@code default} (nothing), JVM flags
 * such as {@code -XX:TieredStopAtLevel=1} (after {@code agent/jvm.options}), agent flags such as
 * {@code --io-threads 2}, or both. The label names the variant's figures.
 */
record AgentVariant(String label, List<String> jvmFlags, List<String> agentArgs) {

    /**
     * Variants separated by {@code |}, flags within one by spaces: {@code default|-XX:TieredStopAtLevel=1|--io-threads
     * 2}. A {@code |} because flags themselves hold commas ({@code -Xlog:gc*,safepoint}) and never a bar. A token
     * that starts with {@code --} is an agent flag, and takes the next token as its value unless that starts with
     * {@code -}; every other token is a JVM flag.
     */
    static List<AgentVariant> parseAll(String setting) {
        List<AgentVariant> variants = Arrays.stream(setting.split("\\|", -1)).map(String::trim)
                .map(AgentVariant::parse).toList();
        if (variants.stream().map(AgentVariant::label).distinct().count() != variants.size()) {
            throw new IllegalArgumentException("agent variants: " + setting + " (expected: each variant once)");
        }
        return variants;
    }

    private static AgentVariant parse(String flags) {
        if (flags.isEmpty() || flags.equals("default")) {
            return new AgentVariant("default", List.of(), List.of());
        }
        List<String> tokens = List.of(flags.split("\\s+", -1));
        List<String> jvm = new ArrayList<>();
        List<String> agent = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (!token.startsWith("--")) {
                jvm.add(token);
                continue;
            }
            agent.add(token);
            if (i + 1 < tokens.size() && !tokens.get(i + 1).startsWith("-")) {
                agent.add(tokens.get(++i));
            }
        }
        return new AgentVariant(flags, List.copyOf(jvm), List.copyOf(agent));
    }
}
