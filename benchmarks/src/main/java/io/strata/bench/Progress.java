package io.strata.bench;

import java.util.Locale;

/** The harness' progress lines, on standard error (the report goes to files). */
final class Progress {
    private Progress() {
    }

    static void log(String fmt, Object... args) {
        System.err.println(String.format(Locale.ROOT, "bench: " + fmt, args));
    }
}
