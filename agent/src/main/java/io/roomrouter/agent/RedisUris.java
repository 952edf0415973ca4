package io.roomrouter.agent;

/** Keeps passwords out of logs: a Redis URI's user-info is replaced by {@code ***}. */
final class RedisUris {
    private RedisUris() {}

    static String redact(String uri) {
        int scheme = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return uri;
        }
        return uri.substring(0, scheme + 3) + "***" + uri.substring(at);
    }
}
