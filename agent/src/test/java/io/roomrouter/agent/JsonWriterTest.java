package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWriterTest {

    @Test
    void nestsAndSeparatesValues() {
        String json = new JsonWriter().beginObject().name("a").value(1).name("b").beginArray().value("x")
                .nullValue().value(true).beginObject().endObject().endArray().name("c").value((String) null)
                .endObject().toString();

        assertThat(json).isEqualTo("{\"a\":1,\"b\":[\"x\",null,true,{}],\"c\":null}");
        Map<String, Object> read = TestJson.object(json);
        assertThat(read).containsOnlyKeys("a", "b", "c").containsEntry("a", 1L).containsEntry("c", null);
        assertThat(read.get("b")).isEqualTo(Arrays.asList("x", null, true, Map.of()));
    }

    @Test
    void escapesWhatCouldBreakTheStringOrAnHtmlPage() {
        String nasty = "q\"b\\n\n\r\t\u0001</script>&\u2028é";
        String json = new JsonWriter().beginArray().value(nasty).endArray().toString();

        assertThat(json).isEqualTo("[\"q\\\"b\\\\n\\n\\r\\t\\u0001\\u003c/script\\u003e\\u0026\\u2028é\"]");
        assertThat(TestJson.parse(json)).isEqualTo(List.of(nasty));
    }
}
