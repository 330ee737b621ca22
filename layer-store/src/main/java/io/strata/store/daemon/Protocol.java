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

    /**
     * Backslash, TAB, newline and carriage return as \\, \t, \n, \r: a value that may hold them (run-client's argv, cwd
     * and environment, and its answer; strata-nsexec's client.c does the same) fits in one field of one line.
     */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    /** The value {@link #escape} made. */
    public static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '\\' || i + 1 == s.length()) {
                b.append(ch);
                continue;
            }
            char next = s.charAt(++i);
            b.append(switch (next) {
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> next;
            });
        }
        return b.toString();
    }

    /** A daemon's answer: its output lines, and errno + message when it failed. */
    public record Response(List<String> lines, String errno, String message) {
        public boolean ok() {
            return errno == null;
        }
    }
}
