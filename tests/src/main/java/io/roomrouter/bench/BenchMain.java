package io.roomrouter.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs the benchmark suites, prints the table and writes {@code results.json}; see {@link BenchSettings}. */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        BenchSettings settings = BenchSettings.fromSystemProperties();
        Results results = new Results(machine());
        long start = System.nanoTime();
        if (settings.runs("agent")) {
            new AgentAloneBench(settings, results).run();
        }
        if (settings.runs("scale")) {
            new ScaleBench(settings, results).run();
        }
        if (settings.runs("haproxy")) {
            new HaproxyBench(settings, results).run();
        }
        if (settings.runs("placement") || settings.runs("placement-curve")) {
            new PlacementCurve(settings.curveServerCounts(), settings.curveLoads(), settings.curveRooms(),
                    settings.curveSeed(), settings.curveWindows(), settings.curveHolds(), results).run(); // simulated
        }
        if (settings.runs("placement")) {
            new PlacementBench(settings, results).run();
        }
        if (settings.runs("placement") || settings.runs("placement-curve-haproxy")) {
            new PlacementCurveThroughHaproxy(settings, results).run(); // about 16 minutes, a minute when quick
        }
        if (settings.runs("shared")) {
            new SharedCpuBench(settings, results).run();
        }
        if (settings.runs("soak")) {
            new SoakBench(settings, results).run();
        }
        Path json = settings.outDir().resolve("results.json");
        results.writeJson(json);
        results.printTable(System.out);
        System.out.printf("%nwrote %s in %ds%n", json, (System.nanoTime() - start) / 1_000_000_000L);
    }

    static Map<String, String> machine() throws IOException, InterruptedException {
        Map<String, String> machine = new LinkedHashMap<>();
        machine.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
        machine.put("cpu", cpuModel());
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("haproxy", firstLine("haproxy", "-v"));
        machine.put("wrk", firstLine("wrk", "-v"));
        machine.put("redis", firstLine("redis-server", "--version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        return machine;
    }

    private static String cpuModel() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "unknown";
    }

    private static String firstLine(String... command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            return out.lines().findFirst().orElse("").trim();
        } catch (IOException e) {
            return "not found: " + e.getMessage();
        }
    }
}
