package io.roomrouter.kit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The command that starts the agent as operators start it, {@code bin/room-router ARGS}, for the tests, the demo
 * and the benchmarks: on the JVM running them (through {@code JAVA_HOME}), with extra JVM flags passed as
 * operators pass them, in {@code RR_JAVA_OPTS}.
 */
public final class AgentLauncher {

    /** One word of RR_JAVA_OPTS: the launcher splits the variable on whitespace. */
    private static final Pattern JVM_FLAG = Pattern.compile("\\S+");

    private AgentLauncher() {
    }

    /**
     * {@code launcher args...} with {@code jvmFlags} in {@code RR_JAVA_OPTS}, after {@code agent/jvm.options}. Without
     * flags the variable is removed: one set in the shell that runs the tests must not change the agent under test.
     */
    public static ProcessBuilder processBuilder(Path launcher, List<String> jvmFlags, List<String> args) {
        for (String flag : jvmFlags) {
            if (!JVM_FLAG.matcher(flag).matches()) {
                throw new IllegalArgumentException("JVM flag: '" + flag
                        + "' (expected: one word with no whitespace; RR_JAVA_OPTS is split on whitespace)");
            }
        }
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        // The agent reads its Redis password from this variable: one set in the shell would change its start.
        environment.remove("RR_REDIS_PASSWORD");
        if (jvmFlags.isEmpty()) {
            environment.remove("RR_JAVA_OPTS");
        } else {
            environment.put("RR_JAVA_OPTS", String.join(" ", jvmFlags));
        }
        return builder;
    }
}
