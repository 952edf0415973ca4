package io.roomrouter.agent;

/** A bad command-line flag: start-up stops with this message, which names the flag and what was expected. */
final class OptionsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OptionsException(String message) {
        super(message);
    }
}
