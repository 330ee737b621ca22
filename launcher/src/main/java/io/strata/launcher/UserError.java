package io.strata.launcher;

/** A failure whose message is the whole story for the user: printed without a stack trace, exit code 2. */
public final class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }
}
