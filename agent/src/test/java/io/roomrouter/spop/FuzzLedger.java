package io.roomrouter.spop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What one fuzz target saw: inputs, clean decodes, codec errors by status, and, when replaying seeds, which inputs
 * ran, so that the class can check that Jazzer really fed it every seed of its {@code <Class>Inputs/<method>}
 * directory (a renamed method or a moved directory would otherwise turn the corpus off without a word). A fuzz
 * run prints the counts and writes them to {@code target/fuzz/<Class>.<method>.properties} for {@code
 * scripts/fuzz.sh}. Inputs run on the one thread JUnit or Jazzer calls the target from.
 */
public final class FuzzLedger {
    private final Class<?> testClass;
    private final String method;
    private final boolean fuzzing = SpopFuzzing.fuzzing();
    private final Set<String> ran = new HashSet<>();
    private final Map<SpopStatus, Long> codecErrors = new EnumMap<>(SpopStatus.class);
    private long inputs;
    private long clean;
    private long frames;
    private final Map<String, Long> findings = new TreeMap<>();

    public FuzzLedger(Class<?> testClass, String method) {
        this.testClass = testClass;
        this.method = method;
        LeakWatch.arm();
    }

    /** Call first thing with each input. */
    public void input(byte[] input) {
        inputs++;
        if (!fuzzing) {
            ran.add(sha256(input));
        }
    }

    /** Call with each outcome. */
    public void outcome(SpopFuzzing.Outcome outcome) {
        frames += outcome.frames().size();
        outcome.failure().ifPresentOrElse(e -> codecErrors.merge(e.status(), 1L, Long::sum), () -> clean++);
    }

    /**
     * Call with whatever the target throws (never a codec error: the harness takes those): an exception of another
     * type, or a broken invariant. It still propagates: it is a finding.
     */
    public void finding(Throwable thrown) {
        findings.merge(thrown.getClass().getName(), 1L, Long::sum);
    }

    /**
     * In regression mode: fails unless the seed directory holds at least {@code minSeeds} files and every one was
     * run. In a fuzz run: prints the counts and writes them under {@code target/fuzz/}.
     */
    public void finish(int minSeeds) {
        if (fuzzing) {
            if (inputs > 0) {
                report(); // the one target of this fuzz run
            }
            return;
        }
        List<Path> seeds = seeds();
        if (seeds.size() < minSeeds) {
            throw new AssertionError(testClass.getSimpleName() + "Inputs/" + method + ": " + seeds.size()
                    + " seeds (expected: >= " + minSeeds + ")");
        }
        for (Path seed : seeds) {
            try {
                if (!ran.contains(sha256(Files.readAllBytes(seed)))) {
                    throw new AssertionError("seed " + seed + " was not run by Jazzer (expected: every seed run)");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private List<Path> seeds() {
        String dir = testClass.getSimpleName() + "Inputs/" + method;
        URL url = testClass.getResource(dir);
        if (url == null) {
            throw new AssertionError("no seed directory " + dir + " next to " + testClass.getName());
        }
        try (Stream<Path> files = Files.walk(Paths.get(url.toURI()))) {
            return files.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void report() {
        Map<String, String> counts = new TreeMap<>();
        counts.put("inputs", Long.toString(inputs));
        counts.put("clean", Long.toString(clean));
        counts.put("frames", Long.toString(frames));
        counts.put("codecErrors", Long.toString(codecErrors.values().stream().mapToLong(Long::longValue).sum()));
        codecErrors.forEach((status, n) -> counts.put("codecErrors." + status, Long.toString(n)));
        counts.put("findings", Long.toString(findings.values().stream().mapToLong(Long::longValue).sum()));
        findings.forEach((type, n) -> counts.put("findings." + type, Long.toString(n)));
        counts.put("leaks", Long.toString(LeakWatch.leaks()));
        String name = testClass.getSimpleName() + "." + method;
        System.out.println("fuzz " + name + " " + counts);
        StringBuilder text = new StringBuilder();
        counts.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        try {
            Path dir = Files.createDirectories(Paths.get("target", "fuzz"));
            Files.writeString(dir.resolve(name + ".properties"), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] input) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(input));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
