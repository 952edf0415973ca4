package io.roomrouter.agent;

import java.util.Optional;

/**
 * Who may change state through the admin endpoint. Reads ({@code GET}, {@code HEAD}) are open: health tells nothing
 * a load balancer's probe should not know. Anything else changes state and needs the bearer token when one is set;
 * without a token it is accepted only on a loopback endpoint, where every caller is a process of this host, as
 * trusted as the agent's own user. On any other address, with no token, a state-changing call is refused: an open
 * {@code POST /release} on a network would let anyone end any room.
 *
 * @param token the token of {@code --admin-token-file}, if given
 * @param loopback whether the endpoint listens on a loopback address only
 */
record AdminAccess(Optional<AdminToken> token, boolean loopback) {

    /** Why a call must be refused, or empty when it may go on. */
    record Refusal(int status, String reason) {}

    static boolean changesState(String method) {
        return !method.equals("GET") && !method.equals("HEAD");
    }

    /** Whether {@code method} with {@code authorization} (null when absent) may go on. */
    Optional<Refusal> check(String method, String authorization) {
        if (!changesState(method)) {
            return Optional.empty();
        }
        if (token.isPresent()) {
            if (authorization == null) {
                return Optional.of(new Refusal(401, "missing Authorization header (expected: Bearer <token of "
                        + AdminToken.FLAG + ">)"));
            }
            if (!token.get().acceptsHeader(authorization)) {
                return Optional.of(new Refusal(401, "wrong bearer token (expected: the token of "
                        + AdminToken.FLAG + ")"));
            }
            return Optional.empty();
        }
        if (loopback) {
            return Optional.empty();
        }
        return Optional.of(new Refusal(403, "state-changing calls need " + AdminToken.FLAG
                + " when the admin endpoint is not on loopback"));
    }
}
