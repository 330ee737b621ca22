package io.strata.store;

/** Bad input or a store that cannot do what was asked: the message is the whole story for the user. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
