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

    /** True when the URI's user-info carries a password ({@code redis://:pw@} or {@code redis://user:pw@}). */
    static boolean hasPassword(String uri) {
        int scheme = uri.indexOf("://");
        if (scheme < 0) {
            return false;
        }
        String rest = uri.substring(scheme + 3);
        int end = rest.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = rest.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        String authority = rest.substring(0, end);
        int at = authority.lastIndexOf('@');
        return at >= 0 && authority.substring(0, at).contains(":");
    }
}
