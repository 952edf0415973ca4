package io.roomrouter.agent;

import java.util.Map;
import java.util.Optional;

/**
 * The Redis password from the environment, {@value #NAME}: where a container platform or a unit file's
 * {@code EnvironmentFile=} puts secrets, so that it shows in no command line. It never shows in a log line either:
 * {@link #toString} names the variable, not its value.
 */
final class RedisPasswordVariable {
    /** Named as the launcher's other variable, {@code RR_JAVA_OPTS}. */
    static final String NAME = "RR_REDIS_PASSWORD";

    private final String password;

    private RedisPasswordVariable(String password) {
        this.password = password;
    }

    /** The variable in {@code environment}, if set; set but empty is a mistake, not "no password". */
    static Optional<RedisPasswordVariable> read(Map<String, String> environment) {
        String value = environment.get(NAME);
        if (value == null) {
            return Optional.empty();
        }
        if (value.isEmpty()) {
            throw new OptionsException(NAME + ": set but empty (expected: the Redis password, or the variable unset)");
        }
        return Optional.of(new RedisPasswordVariable(value));
    }

    String password() {
        return password;
    }

    @Override
    public String toString() {
        return NAME + "=***";
    }
}
