package io.roomrouter.agent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus's text exposition format 0.0.4, for tests: the client library ships writers only,
 * and promtool is not installed. Fails on anything Prometheus would refuse, and on what {@code promtool check
 * metrics} flags as broken: a bad metric or label name, a bad escape, an unparsable value, a sample outside the
 * family its TYPE line declared, a family split in two, a series given twice, histogram buckets that are not
 * cumulative or do not end at {@code +Inf} equal to {@code _count}.
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern FLOAT =
            Pattern.compile("[-+]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN");
    private static final Pattern HELP = Pattern.compile("# HELP (\\S+) (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (\\S+) (counter|gauge|histogram|summary|untyped)");
    private static final Set<String> TYPES_WITH_SUFFIXES = Set.of("histogram", "summary");

    /** One sample: its name, labels (sorted by name) and value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private final Map<String, String> types = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private PrometheusText() {}

    /** Parses {@code text}, throwing an {@link IllegalArgumentException} naming the line at its first fault. */
    static PrometheusText parse(String text) {
        PrometheusText parsed = new PrometheusText();
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("last line has no newline");
        }
        String family = null;
        Set<String> closed = new HashSet<>();
        Set<String> series = new HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + " '" + line + "': ";
            if (line.startsWith("#")) {
                Matcher help = HELP.matcher(line);
                Matcher type = TYPE.matcher(line);
                String name;
                if (type.matches()) {
                    name = type.group(1);
                    if (parsed.types.put(name, type.group(2)) != null) {
                        throw new IllegalArgumentException(where + "second TYPE for " + name);
                    }
                } else if (help.matches()) {
                    name = help.group(1);
                    checkEscapes(help.group(2), false, where);
                } else if (line.startsWith("# HELP") || line.startsWith("# TYPE")) {
                    throw new IllegalArgumentException(where + "malformed HELP or TYPE");
                } else {
                    continue; // a comment
                }
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException(where + "metric name " + name);
                }
                if (!name.equals(family)) {
                    if (family != null) {
                        closed.add(family);
                    }
                    if (closed.contains(name)) {
                        throw new IllegalArgumentException(where + "family " + name + " given in two places");
                    }
                    family = name;
                }
                continue;
            }
            if (line.isBlank()) {
                throw new IllegalArgumentException(where + "blank line");
            }
            Sample sample = parseSample(line, where);
            String owner = family(parsed.types, sample.name());
            if (owner == null || !owner.equals(family)) {
                throw new IllegalArgumentException(where + "sample outside its family (TYPE " + family + ")");
            }
            if (!series.add(sample.name() + sample.labels())) {
                throw new IllegalArgumentException(where + "series given twice");
            }
            parsed.samples.add(sample);
        }
        parsed.checkHistograms();
        return parsed;
    }

    /** The type each family's TYPE line declared. */
    Map<String, String> types() {
        return types;
    }

    List<Sample> samples() {
        return samples;
    }

    /** The value of the one sample named {@code name} with exactly {@code labels}, given as name, value pairs. */
    Optional<Double> value(String name, String... labels) {
        Map<String, String> wanted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        return samples.stream()
                .filter(sample -> sample.name().equals(name) && sample.labels().equals(wanted))
                .map(Sample::value)
                .findFirst();
    }

    /** The samples named {@code name}, whatever their labels. */
    List<Sample> samples(String name) {
        return samples.stream().filter(sample -> sample.name().equals(name)).toList();
    }

    private static String family(Map<String, String> types, String sample) {
        if (types.containsKey(sample)) {
            return sample;
        }
        for (String suffix : new String[] {"_bucket", "_count", "_sum"}) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                String type = types.get(base);
                if (type != null && TYPES_WITH_SUFFIXES.contains(type)
                        && (type.equals("histogram") || !suffix.equals("_bucket"))) {
                    return base;
                }
            }
        }
        return null;
    }

    private static Sample parseSample(String line, String where) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        if (space < 0) {
            throw new IllegalArgumentException(where + "no value");
        }
        String name;
        Map<String, String> labels = new TreeMap<>();
        int rest;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            rest = parseLabels(line, brace + 1, labels, where);
            if (rest >= line.length() || line.charAt(rest) != ' ') {
                throw new IllegalArgumentException(where + "no space after the labels");
            }
        } else {
            name = line.substring(0, space);
            rest = space;
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + "metric name " + name);
        }
        String[] fields = line.substring(rest + 1).split(" ", -1);
        if (fields.length > 2 || !FLOAT.matcher(fields[0]).matches()) {
            throw new IllegalArgumentException(where + "value " + line.substring(rest + 1));
        }
        if (fields.length == 2 && !fields[1].matches("-?[0-9]+")) {
            throw new IllegalArgumentException(where + "timestamp " + fields[1]);
        }
        return new Sample(name, labels, value(fields[0]));
    }

    // From just after '{' to just after '}'; returns that index.
    private static int parseLabels(String line, int at, Map<String, String> labels, String where) {
        int i = at;
        while (true) {
            if (i < line.length() && line.charAt(i) == '}') {
                return i + 1;
            }
            int equals = line.indexOf('=', i);
            if (equals < 0) {
                throw new IllegalArgumentException(where + "label without '='");
            }
            String label = line.substring(i, equals);
            if (!LABEL.matcher(label).matches() || label.startsWith("__")) {
                throw new IllegalArgumentException(where + "label name " + label);
            }
            if (equals + 1 >= line.length() || line.charAt(equals + 1) != '"') {
                throw new IllegalArgumentException(where + "label value not quoted");
            }
            StringBuilder value = new StringBuilder();
            int j = equals + 2;
            for (; j < line.length() && line.charAt(j) != '"'; j++) {
                char c = line.charAt(j);
                if (c == '\\') {
                    char next = j + 1 < line.length() ? line.charAt(++j) : ' ';
                    switch (next) {
                        case '\\' -> value.append('\\');
                        case '"' -> value.append('"');
                        case 'n' -> value.append('\n');
                        default -> throw new IllegalArgumentException(where + "escape \\" + next);
                    }
                } else {
                    value.append(c);
                }
            }
            if (j >= line.length()) {
                throw new IllegalArgumentException(where + "label value not closed");
            }
            if (labels.put(label, value.toString()) != null) {
                throw new IllegalArgumentException(where + "label " + label + " twice");
            }
            i = j + 1;
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
            } else if (i >= line.length() || line.charAt(i) != '}') {
                throw new IllegalArgumentException(where + "expected ',' or '}' after a label");
            }
        }
    }

    // HELP text may hold \\ and \n only; label values also \".
    private static void checkEscapes(String text, boolean quotes, String where) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\\') {
                char next = i + 1 < text.length() ? text.charAt(++i) : ' ';
                if (next != '\\' && next != 'n' && !(quotes && next == '"')) {
                    throw new IllegalArgumentException(where + "escape \\" + next);
                }
            }
        }
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    // Each histogram series: buckets cumulative in le order, the last le="+Inf", equal to _count.
    private void checkHistograms() {
        types.forEach((family, type) -> {
            if (!type.equals("histogram")) {
                return;
            }
            Map<Map<String, String>, TreeMap<Double, Double>> buckets = new HashMap<>();
            for (Sample sample : samples(family + "_bucket")) {
                Map<String, String> labels = new TreeMap<>(sample.labels());
                String le = labels.remove("le");
                if (le == null || !FLOAT.matcher(le).matches()) {
                    throw new IllegalArgumentException(family + ": bucket without a numeric le: " + sample);
                }
                buckets.computeIfAbsent(labels, key -> new TreeMap<>()).put(value(le), sample.value());
            }
            buckets.forEach((labels, series) -> {
                double previous = 0;
                for (double count : series.values()) {
                    if (count < previous) {
                        throw new IllegalArgumentException(family + labels + ": buckets not cumulative: " + series);
                    }
                    previous = count;
                }
                if (series.lastKey() != Double.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException(family + labels + ": no le=\"+Inf\" bucket");
                }
                Optional<Double> count = samples(family + "_count").stream()
                        .filter(sample -> sample.labels().equals(labels)).map(Sample::value).findFirst();
                if (count.isEmpty() || !count.get().equals(series.lastEntry().getValue())) {
                    throw new IllegalArgumentException(family + labels + ": _count " + count + " (expected: the +Inf"
                            + " bucket, " + series.lastEntry().getValue() + ")");
                }
            });
        });
    }
}
