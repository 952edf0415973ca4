package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The test-only reader of the text format refuses what Prometheus would: it must be able to fail a scrape. */
class PrometheusTextTest {
    private static final String GOOD = """
            # HELP a_total Things, with \\\\ and \\n.
            # TYPE a_total counter
            a_total{x="1",y="q\\"uote"} 3.0
            a_total{x="2"} 1.5E-4
            # TYPE h_seconds histogram
            h_seconds_bucket{le="0.1"} 1
            h_seconds_bucket{le="+Inf"} 2
            h_seconds_count 2
            h_seconds_sum 0.3
            # TYPE g gauge
            g NaN
            """;

    @Test
    void readsSamplesLabelsAndEscapes() {
        PrometheusText text = PrometheusText.parse(GOOD);

        assertThat(text.value("a_total", "x", "1", "y", "q\"uote")).contains(3.0);
        assertThat(text.value("a_total", "x", "2")).contains(0.00015);
        assertThat(text.value("h_seconds_count")).contains(2.0);
        assertThat(text.types()).containsEntry("h_seconds", "histogram").containsEntry("g", "gauge");
    }

    @Test
    void refusesWhatPrometheusWouldRefuse() {
        String[] bad = {
            "# TYPE a counter\na 1", // no final newline
            "# TYPE a counter\na{x=1} 1\n", // unquoted label value
            "# TYPE a counter\na{x=\"1\\t\"} 1\n", // unknown escape
            "# TYPE a counter\na one\n", // not a number
            "# TYPE 1a counter\n1a 1\n", // bad name
            "# TYPE a counter\nb 1\n", // sample outside its family
            "a 1\n", // no TYPE
            "# TYPE a counter\na{x=\"1\"} 1\na{x=\"1\"} 2\n", // series twice
            "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a again\n", // family split
            "# TYPE a counter\n# TYPE a gauge\na 1\n", // two TYPEs
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n", // decreasing
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 0\n", // no +Inf
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 1\nh_sum 0\n", // count differs
            "# TYPE a counter\n\na 1\n", // blank line
        };
        for (String text : bad) {
            assertThatThrownBy(() -> PrometheusText.parse(text)).as(text).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
