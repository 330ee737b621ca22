package io.strata.launcher.snapshotter;

import io.strata.launcher.snapshotter.SnapshotError.Code;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The part of containerd's filter syntax that List is sent: {@code name==X}, {@code parent==X}, {@code kind==X},
 * {@code labels."K"==V}, {@code !=}, {@code ~=} (a regular expression) and a bare field (present and non-empty);
 * {@code ,} is AND within one filter and {@code |} OR, as are the several filters of a request.
 * Values may be quoted ("…", Go escapes) or bare (up to the next , or |).
 */
final class Filters {
    private Filters() {
    }

    static Predicate<Snapshot> parseAll(List<String> filters) {
        Predicate<Snapshot> any = null;
        for (String f : filters) {
            if (f.isBlank()) continue;
            Predicate<Snapshot> p = new Parser(f).filter();
            any = any == null ? p : any.or(p);
        }
        return any == null ? s -> true : any;
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Predicate<Snapshot> filter() {
            Predicate<Snapshot> or = conjunction();
            while (i < s.length() && s.charAt(i) == '|') {
                i++;
                or = or.or(conjunction());
            }
            if (i != s.length()) throw bad("unexpected " + s.charAt(i));
            return or;
        }

        private Predicate<Snapshot> conjunction() {
            Predicate<Snapshot> and = selector();
            while (i < s.length() && s.charAt(i) == ',') {
                i++;
                and = and.and(selector());
            }
            return and;
        }

        private Predicate<Snapshot> selector() {
            List<String> path = new ArrayList<>();
            path.add(fieldPart());
            while (i < s.length() && s.charAt(i) == '.') {
                i++;
                path.add(fieldPart());
            }
            java.util.function.Function<Snapshot, String> field = field(path);
            if (s.startsWith("==", i) || s.startsWith("!=", i) || s.startsWith("~=", i)) {
                String op = s.substring(i, i + 2);
                i += 2;
                String value = value();
                return switch (op) {
                    case "==" -> sn -> value.equals(field.apply(sn));
                    case "!=" -> sn -> !value.equals(field.apply(sn));
                    default -> {
                        Pattern re = Pattern.compile(value);
                        yield sn -> field.apply(sn) != null && re.matcher(field.apply(sn)).find();
                    }
                };
            }
            return sn -> field.apply(sn) != null && !field.apply(sn).isEmpty();
        }

        private java.util.function.Function<Snapshot, String> field(List<String> path) {
            String head = path.get(0);
            if (path.size() == 1) {
                switch (head) {
                    case "name": return Snapshot::name;
                    case "parent": return Snapshot::parent;
                    case "kind": return sn -> sn.kind().name().toLowerCase();
                    default: break;
                }
            } else if (head.equals("labels")) {
                String key = String.join(".", path.subList(1, path.size()));
                return sn -> sn.labels().get(key);
            }
            throw bad("unknown field " + String.join(".", path));
        }

        private String fieldPart() {
            if (i < s.length() && s.charAt(i) == '"') return quoted();
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '-')) i++;
            if (start == i) throw bad("expected a field name at " + i);
            return s.substring(start, i);
        }

        private String value() {
            if (i < s.length() && s.charAt(i) == '"') return quoted();
            int start = i;
            while (i < s.length() && s.charAt(i) != ',' && s.charAt(i) != '|') i++;
            return s.substring(start, i);
        }

        private String quoted() {
            StringBuilder b = new StringBuilder();
            i++;
            while (i < s.length() && s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c == '\\' && i < s.length()) {
                    char e = s.charAt(i++);
                    b.append(switch (e) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        default -> e;
                    });
                } else {
                    b.append(c);
                }
            }
            if (i >= s.length()) throw bad("unterminated quote");
            i++;
            return b.toString();
        }

        private SnapshotError bad(String why) {
            return new SnapshotError(Code.INVALID_ARGUMENT, "filter \"" + s + "\": " + why);
        }
    }
}
