package io.strata.bench;

import java.util.Locale;

/** The two things the report's JSON needs: strings quoted and escaped, numbers that JSON can hold (NaN → null). */
final class Json {
    private Json() {
    }

    static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }

    /** ["a", "b"] */
    static String strings(java.util.List<String> xs) {
        java.util.List<String> q = new java.util.ArrayList<>();
        for (String x : xs) q.add(str(x));
        return "[" + String.join(", ", q) + "]";
    }

    static String num(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) return "null";
        return Double.toString(x); // 1.5, 2.0E-5: both JSON
    }
}
