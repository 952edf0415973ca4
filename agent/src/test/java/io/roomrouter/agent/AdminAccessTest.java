package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminAccessTest {
    @TempDir
    Path dir;

    @Test
    void readsAreOpenWhateverTheToken() {
        AdminAccess withToken = new AdminAccess(Optional.of(AdminToken.of("s3cret", "test")), false);
        AdminAccess open = new AdminAccess(Optional.empty(), false);

        assertThat(withToken.check("GET", null)).isEmpty();
        assertThat(open.check("GET", null)).isEmpty();
        assertThat(open.check("HEAD", null)).isEmpty();
    }

    @Test
    void aTokenIsRequiredForAnythingElse() {
        AdminAccess access = new AdminAccess(Optional.of(AdminToken.of("s3cret", "test")), true);

        assertThat(access.check("POST", "Bearer s3cret")).isEmpty();
        assertThat(access.check("POST", "bearer  s3cret ")).isEmpty();
        assertThat(access.check("POST", null)).contains(new AdminAccess.Refusal(401,
                "missing Authorization header (expected: Bearer <token of --admin-token-file>)"));
        assertThat(access.check("POST", "Bearer s3cre")).map(AdminAccess.Refusal::reason)
                .contains("wrong bearer token (expected: the token of --admin-token-file)");
        assertThat(access.check("DELETE", "Basic s3cret")).map(AdminAccess.Refusal::status).contains(401);
        assertThat(access.check("PUT", "s3cret")).map(AdminAccess.Refusal::status).contains(401);
    }

    @Test
    void withoutATokenStateChangesOnlyOnLoopback() {
        assertThat(new AdminAccess(Optional.empty(), true).check("POST", null)).isEmpty();
        assertThat(new AdminAccess(Optional.empty(), false).check("POST", null)).contains(new AdminAccess.Refusal(
                403, "state-changing calls need --admin-token-file when the admin endpoint is not on loopback"));
    }

    @Test
    void readsTheTokenFileTrimmedAndRefusesUnusableOnes() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "  abc-123\n", StandardCharsets.UTF_8);
        assertThat(AdminToken.read(file).acceptsHeader("Bearer abc-123")).isTrue();
        assertThat(AdminToken.read(file).acceptsHeader("Bearer abc-1234")).isFalse();
        assertThat(AdminToken.read(file)).hasToString("AdminToken[redacted]");

        assertThatThrownBy(() -> AdminToken.read(dir.resolve("missing")))
                .isInstanceOf(OptionsException.class).hasMessageStartingWith("--admin-token-file: cannot read ");
        Path empty = Files.writeString(dir.resolve("empty"), " \n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> AdminToken.read(empty))
                .hasMessage("--admin-token-file: " + empty + " is empty (expected: the admin bearer token)");
        assertThatThrownBy(() -> AdminToken.read(dir))
                .hasMessageStartingWith("--admin-token-file: cannot read " + dir);
        Path spaced = Files.writeString(dir.resolve("spaced"), "a b", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> AdminToken.read(spaced)).hasMessageContaining("at offset 1");
    }
}
