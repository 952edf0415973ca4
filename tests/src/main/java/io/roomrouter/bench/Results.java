package io.roomrouter.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of one run, in the order measured, printed as a table and written as JSON. */
final class Results {
    private final List<Figure> figures = new ArrayList<>();
    private final Map<String, String> machine;

    Results(Map<String, String> machine) {
        this.machine = Map.copyOf(machine);
    }

    synchronized void add(Figure figure) {
        figures.add(figure);
        System.out.printf(Locale.ROOT, "[bench] %-52s %14s %-10s %s%n",
                figure.name(), format(figure.value()), figure.unit(), figure.note());
    }

    synchronized List<Figure> figures() {
        return List.copyOf(figures);
    }

    synchronized void printTable(PrintStream out) {
        out.println();
        out.println("| figure | value | unit | target | how |");
        out.println("|---|---:|---|---|---|");
        for (Figure f : figures) {
            out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n",
                    f.name(), format(f.value()), f.unit(), f.target(), f.note());
        }
        out.println();
        machine.forEach((k, v) -> out.println("- " + k + ": " + v));
    }

    /** {"machine": {...}, "figures": [{"name", "value", "unit", "target", "note"}, ...]}; a missing value is null. */
    synchronized void writeJson(Path file) throws IOException {
        StringBuilder json = new StringBuilder("{\n  \"machine\": {");
        String sep = "\n";
        for (Map.Entry<String, String> e : machine.entrySet()) {
            json.append(sep).append("    ").append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
            sep = ",\n";
        }
        json.append("\n  },\n  \"figures\": [");
        sep = "\n";
        for (Figure f : figures) {
            json.append(sep).append("    {\"name\": ").append(quote(f.name()))
                    .append(", \"value\": ").append(f.isMissing() ? "null" : jsonNumber(f.value()))
                    .append(", \"unit\": ").append(quote(f.unit()))
                    .append(", \"target\": ").append(quote(f.target()))
                    .append(", \"note\": ").append(quote(f.note())).append('}');
            sep = ",\n";
        }
        json.append("\n  ]\n}\n");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, json, StandardCharsets.UTF_8);
    }

    static String format(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) value);
        }
        return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%.3f", value);
    }

    private static String jsonNumber(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value) : String.format(Locale.ROOT, "%.6g", value);
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
