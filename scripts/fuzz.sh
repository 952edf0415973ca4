#!/usr/bin/env bash
# The long fuzz run (not part of CI, which replays the seed corpus in every `mvn verify`): Jazzer, coverage-guided,
# on the SPOP frame decoder (both sides), the typed-data codec and the room-join message, one target after the
# other, each in its own test JVM with paranoid leak detection, as every test runs (the harness's own buffers are
# checked by their release count after each input instead: see TrackingAllocator). Prints, per target, the inputs
# tried, clean decodes, codec errors (SpopCodecException, the only exception allowed), findings (any other
# exception, or a broken invariant: a buffer left unreleased, a round trip that differs) and the leaks Netty's
# detector reported.
#   scripts/fuzz.sh                               every target, 5 minutes each (FUZZ_SECONDS=300)
#   FUZZ_SECONDS=60 scripts/fuzz.sh roomJoin      one target for a minute
# A finding is saved by Jazzer into the target's seed directory
# (agent/src/test/resources/io/roomrouter/<package>/<Class>Inputs/<method>/crash-<sha1>): once the bug is fixed,
# commit it and every build replays it. The corpus the run grows stays in agent/target/fuzz-corpus/.
# Outputs: agent/target/fuzz/<Class>.<method>.log (Jazzer's own lines) and .properties (the counts).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${FUZZ_SECONDS:-300}
all=(SpopFrameDecoderFuzzTest#agentSide SpopFrameDecoderFuzzTest#haproxySide TypedDataFuzzTest#typedValue
     JoinMessageFuzzTest#roomJoin)
targets=()
if [ $# -eq 0 ]; then
    targets=("${all[@]}")
else
    for wanted in "$@"; do
        for t in "${all[@]}"; do
            if [ "${t#*#}" = "$wanted" ] || [ "$t" = "$wanted" ]; then targets+=("$t"); fi
        done
    done
    [ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: unknown target $* (expected: ${all[*]#*#})" >&2; exit 2; }
fi

mvn -B -q -pl agent -am test-compile ${MVN_ARGS:-}
mkdir -p agent/target/fuzz
failed=0
for t in "${targets[@]}"; do
    class=${t%#*} method=${t#*#}
    corpus="$root/agent/target/fuzz-corpus/$class/$method"
    log="$root/agent/target/fuzz/$class.$method.log"
    mkdir -p "$corpus"
    rm -f "agent/target/fuzz/$class.$method.properties"
    echo "fuzzing $class#$method for ${seconds}s ..." >&2
    # jazzer.internal.arg.N are Jazzer's libFuzzer arguments (argv[0] first): the first directory receives the
    # corpus the run grows, -max_total_time overrides @FuzzTest's maxDuration. keep_going: go on after a finding,
    # to count them all (each distinct one is saved).
    # -am test-compile: the agent's tests need the kit module's classes, which only a reactor build resolves.
    if ! JAZZER_FUZZ=1 mvn -B -pl agent -am test-compile surefire:test -Dtest="$t" \
            -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1="$corpus" \
            -Djazzer.internal.arg.2=-max_total_time="$seconds" -Djazzer.internal.arg.3=-print_final_stats=1 \
            -Djazzer.keep_going=50 ${MVN_ARGS:-} >"$log" 2>&1; then
        failed=1
    fi
done

printf '\n%-42s %12s %9s %12s %12s %9s %6s\n' target inputs "exec/s" clean "codec errors" findings leaks
for t in "${targets[@]}"; do
    class=${t%#*} method=${t#*#}
    props="agent/target/fuzz/$class.$method.properties"
    log="agent/target/fuzz/$class.$method.log"
    get() { sed -n "s/^$1=//p" "$props" 2>/dev/null | head -1; }
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    printf '%-42s %12s %9s %12s %12s %9s %6s\n' "$class#$method" "$(get inputs)" "${rate:-?}" "$(get clean)" \
        "$(get codecErrors)" "$(get findings)" "$(get leaks)"
done
if [ $failed -ne 0 ]; then
    echo "fuzz.sh: a target failed; see agent/target/fuzz/*.log and the crash-* files in the seed directories" >&2
    exit 1
fi
