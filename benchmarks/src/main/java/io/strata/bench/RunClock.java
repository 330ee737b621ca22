package io.strata.bench;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** When a run of the harness started, the machine's load average then, and how long it has taken since. */
record RunClock(long startNanos, String started, String loadBefore) {
    static RunClock start() {
        return new RunClock(System.nanoTime(), ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME),
                Shell.output("cat", "/proc/loadavg"));
    }

    double minutes() {
        return (System.nanoTime() - startNanos) / 60e9;
    }
}
