package io.strata.store.daemon;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The daemon's wire format, one request per connection. The client sends its arguments as one line, separated by
 * TAB, and closes its side; the daemon answers with lines {@code out TAB text}, then one final line: {@code ok} or
 * {@code err TAB ERRNO TAB message}. Arguments cannot hold TAB or newline (names are checked before they get here).
 */
public final class Protocol {
    private Protocol() {
    }

    public static String request(List<String> args) {
        for (String a : args)
            if (a.indexOf('\t') >= 0 || a.indexOf('\n') >= 0) throw new IllegalArgumentException("TAB or newline in '" + a + "'");
        return String.join("\t", args) + "\n";
    }

    public static List<String> parseRequest(String line) {
        return line.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(line.split("\t", -1)));
    }

    public static String out(String text) {
        return "out\t" + text.replace('\n', ' ') + "\n";
    }

    public static String ok() {
        return "ok\n";
    }

    public static String err(String errno, String message) {
        return "err\t" + errno + "\t" + (message == null ? "" : message.replace('\n', ' ')) + "\n";
    }

    /** A daemon's answer: its output lines, and errno + message when it failed. */
    public record Response(List<String> lines, String errno, String message) {
        public boolean ok() {
            return errno == null;
        }
    }
}
