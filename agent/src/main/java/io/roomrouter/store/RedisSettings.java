package io.roomrouter.store;

import io.lettuce.core.RedisURI;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where the shared placement state lives ({@code --redis}, {@code --redis-prefix}, {@code --redis-timeout}).
 *
 * <p>{@code uri} is a URI as Lettuce reads it: {@code redis://[:password@]host[:port][/db]}, {@code rediss://}
 * for TLS, {@code redis-sentinel://host:26379[,host2:26379]/db#master} for Sentinel. A {@code redis://} or
 * {@code rediss://} URI that lists several comma-separated hosts is a Redis Cluster seed list. {@code prefix}
 * starts every key; {@code timeout} is the longest a join waits for Redis before it is answered without it (see
 * {@link RedisRoomStore}), and must stay well below HAProxy's {@code timeout processing}.
 *
 * <p>{@code password}, when given ({@code --redis-password-file}), is the password of the URI's user (an ACL user:
 * {@code rediss://rr@host:6380/0}), or of the default user when the URI names none; the URI then carries no password,
 * so that none shows in {@code ps} or a unit file. {@code trustedCa}, when given ({@code --redis-ca-file}), is the PEM
 * file of the certificates a {@code rediss://} server's certificate must chain to, instead of the JVM's trust store.
 */
public record RedisSettings(String uri, String prefix, Duration timeout, Optional<String> password,
        Optional<Path> trustedCa) {
    public static final String DEFAULT_PREFIX = "rr";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(50);
    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<String> SCHEMES = Set.of(
            RedisURI.URI_SCHEME_REDIS,
            RedisURI.URI_SCHEME_REDIS_SECURE,
            RedisURI.URI_SCHEME_REDIS_SENTINEL,
            RedisURI.URI_SCHEME_REDIS_SENTINEL_SECURE,
            RedisURI.URI_SCHEME_REDIS_SOCKET);

    public RedisSettings {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(trustedCa, "trustedCa");
        checkUri(uri);
        if (password.isPresent() && userInfo(uri).contains(":")) {
            throw new IllegalArgumentException("redis uri: " + redact(uri)
                    + " carries a password, and a password file gives one too (expected: one of them)");
        }
        checkPrefix(prefix);
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("redis timeout: " + timeout + " (expected: > 0 and <= " + MAX_TIMEOUT + ")");
        }
    }

    /** Settings without a password of their own (the URI may carry one) or a CA file of their own. */
    public RedisSettings(String uri, String prefix, Duration timeout) {
        this(uri, prefix, timeout, Optional.empty(), Optional.empty());
    }

    /** Settings with the default prefix and timeout. */
    public static RedisSettings of(String uri) {
        return new RedisSettings(uri, DEFAULT_PREFIX, DEFAULT_TIMEOUT);
    }

    /** True when {@link #uri} is a Redis Cluster seed list. */
    public boolean cluster() {
        return isCluster(uri);
    }

    /** The URI with any password replaced by {@code ***}, fit for a log line. */
    public String redactedUri() {
        return redact(uri);
    }

    @Override
    public String toString() {
        return "RedisSettings[uri=" + redactedUri() + ", prefix=" + prefix + ", timeout=" + timeout
                + password.map(p -> ", password=***").orElse("") + trustedCa.map(ca -> ", trustedCa=" + ca).orElse("")
                + "]";
    }

    /**
     * The URI as Lettuce is given it: with a password of the settings' own, without its user-info (Lettuce would
     * read a lone user name as a password); the user goes with the password ({@link #user}).
     */
    String lettuceUri() {
        if (password.isEmpty() || userInfo(uri).isEmpty()) {
            return uri;
        }
        int start = uri.indexOf("://") + 3;
        return uri.substring(0, start) + uri.substring(uri.indexOf('@', start) + 1);
    }

    /** The ACL user the settings' own password is for: the URI's user-info; empty for the default user. */
    Optional<String> user() {
        String user = userInfo(uri);
        return password.isEmpty() || user.isEmpty() ? Optional.empty() : Optional.of(user);
    }

    private static void checkUri(String uri) {
        String scheme = scheme(uri);
        if (!SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException(
                    "redis uri scheme: " + scheme + " (expected: one of redis, rediss, redis-sentinel, rediss-sentinel,"
                            + " redis-socket)");
        }
        if (!scheme.equals(RedisURI.URI_SCHEME_REDIS_SOCKET) && authority(uri).isEmpty()) {
            throw new IllegalArgumentException("redis uri: " + redact(uri) + " (expected: a host, as in redis://host:6379/0)");
        }
        if (isCluster(uri)) {
            return; // Lettuce's RedisURI reads one host; a cluster seed list is split by the cluster client.
        }
        try {
            RedisURI.create(uri);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("redis uri: " + redact(uri) + " (" + e.getMessage() + ")", e);
        }
    }

    private static void checkPrefix(String prefix) {
        if (prefix.isEmpty() || prefix.length() > 32) {
            throw new IllegalArgumentException("redis prefix: '" + prefix + "' (expected: 1 to 32 characters)");
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!allowed) {
                // Braces would change the hash tag and break Redis Cluster; spaces would break the key layout.
                throw new IllegalArgumentException(
                        "redis prefix: '" + prefix + "' has '" + c + "' at " + i + " (expected: [A-Za-z0-9._:-])");
            }
        }
    }

    private static String scheme(String uri) {
        int colon = uri.indexOf("://");
        if (colon <= 0) {
            throw new IllegalArgumentException("redis uri: " + redact(uri) + " (expected: scheme://..., as in redis://host:6379/0)");
        }
        return uri.substring(0, colon).toLowerCase(Locale.ROOT);
    }

    // The hosts, without the user-info.
    private static String authority(String uri) {
        String authority = userAndHosts(uri);
        return authority.substring(authority.lastIndexOf('@') + 1);
    }

    // The part before '@', empty when there is none.
    private static String userInfo(String uri) {
        String authority = userAndHosts(uri);
        int at = authority.lastIndexOf('@');
        return at < 0 ? "" : authority.substring(0, at);
    }

    // Between "://" and the path, query or fragment.
    private static String userAndHosts(String uri) {
        String rest = uri.substring(uri.indexOf("://") + 3);
        int end = rest.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = rest.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        return rest.substring(0, end);
    }

    private static String redact(String uri) {
        int at = uri.indexOf('@');
        int start = uri.indexOf("://");
        return at < 0 || start < 0 || at < start ? uri : uri.substring(0, start + 3) + "***" + uri.substring(at);
    }

    private static boolean isCluster(String uri) {
        String scheme = scheme(uri);
        return (scheme.equals(RedisURI.URI_SCHEME_REDIS) || scheme.equals(RedisURI.URI_SCHEME_REDIS_SECURE))
                && authority(uri).contains(",");
    }

    /** The cluster seed list as {@link URI}, for Lettuce's cluster client. */
    URI clusterUri() {
        try {
            return new URI(lettuceUri());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("redis uri: " + redactedUri() + " (" + e.getMessage() + ")", e);
        }
    }
}
