#!/usr/bin/env bash
# AQD.Edge test command:  bash tests/run-all.sh
#
# 1. installs the Debian packages the tests need (only when one is missing; needs root or sudo);
# 2. builds an arm64 library root for qemu (the cross libc from /usr/aarch64-linux-gnu plus
#    libssl3:arm64 and libicu72:arm64) under artifacts/cache/, once;
# 3. builds AQD.Edge.sln, publishes aqd-edge NativeAOT for linux-arm64 (publish.sh; the Worker tests
#    run it under qemu) and runs every xunit.v3 test project of the solution on x64;
# 4. publishes the ARM64_TEST_PROJECTS (Kernels, Engine, Detection) self-contained for linux-arm64 and
#    runs them under qemu-aarch64-static -cpu cortex-a72 (AdvSimd) and -cpu cortex-a76 (AdvSimd + dot
#    product); a project may run a subset there (ARM64_TEST_ARGS: Detection runs -trait Arm64=decode);
# 5. prints a per-run summary, the kernel variants selected on each CPU and the integer-only IL
#    scan result, and ends with exactly one line "N passed, N failed" (", N skipped" if any).
# Exit status is non-zero if any test failed or any run did not happen (a run that did not happen
# counts as one failure in the last line).
#
# Environment: AQD_KERNELS_ISA (scalar|advsimd|advsimd-dp|avx2|avxvnni) forces the kernel ISA in
# the runs whose CPU supports it; AQD_SKIP_ARM64=1 runs x64 only (and then exits non-zero, as the
# arm64 runs did not happen); AQD_QEMU_TIMEOUT (seconds per qemu run, default 1500);
# AQD_TEST_FILTER (extra xunit runner arguments for every run, e.g. "-class 'AQD.Edge.Kernels.Tests.Gemm.*'").
# Outputs: artifacts/test-run/ (logs, xunit XML results, reports), artifacts/arm64/ (published tests).

set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO" || exit 2

SOLUTION="AQD.Edge.sln"
CONFIGURATION="Release"
ARTIFACTS="$REPO/artifacts"
CACHE="$ARTIFACTS/cache"
ARM64_ROOT="$CACHE/arm64root"
RUN_DIR="$ARTIFACTS/test-run"
ARM64_PUBLISH="$ARTIFACTS/arm64"
ARM64_TEST_PROJECTS=("tests/AQD.Edge.Kernels.Tests/AQD.Edge.Kernels.Tests.csproj" "tests/AQD.Edge.Engine.Tests/AQD.Edge.Engine.Tests.csproj"
    "tests/AQD.Edge.Detection.Tests/AQD.Edge.Detection.Tests.csproj")
# xunit runner arguments of a project's qemu runs: a subset where the whole project is too slow (or needs
# x64-only natives, e.g. ONNX Runtime) under qemu. Detection: the decode tests (trait Arm64=decode: golden
# NanoDet decode, FCOS / RetinaNet decode, the narrow AQD detectors end to end).
declare -A ARM64_TEST_ARGS=(
    ["tests/AQD.Edge.Detection.Tests/AQD.Edge.Detection.Tests.csproj"]="-trait Arm64=decode"
)
ARM64_CPUS=("cortex-a72" "cortex-a76")
APT_PACKAGES=(clang lld gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static mosquitto mosquitto-clients ffmpeg libonnx-testdata g++ patchelf)
ARM64_DEBS=(libssl3:arm64 libicu72:arm64)
QEMU_TIMEOUT="${AQD_QEMU_TIMEOUT:-1500}"
eval "EXTRA_ARGS=(${AQD_TEST_FILTER:-})"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DEBIAN_FRONTEND=noninteractive
unset AQD_TEST_REPORT AQD_CPU_LABEL

START=$SECONDS
step() { printf '\n==> [%02d:%02d] %s\n' $(((SECONDS - START) / 60)) $(((SECONDS - START) % 60)) "$*"; }
note() { printf '    %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
    else echo "run-all.sh: '$*' needs root (or sudo)" >&2; return 1
    fi
}

# ---------------------------------------------------------------- results bookkeeping
RUN_NAMES=(); RUN_PASSED=(); RUN_FAILED=(); RUN_SKIPPED=(); RUN_SECONDS=(); RUN_NOTES=(); RUN_REPORTS=(); RUN_XML=()

record_run() { # name passed failed skipped seconds note report xml
    RUN_NAMES+=("$1"); RUN_PASSED+=("$2"); RUN_FAILED+=("$3"); RUN_SKIPPED+=("$4")
    RUN_SECONDS+=("$5"); RUN_NOTES+=("$6"); RUN_REPORTS+=("$7"); RUN_XML+=("$8")
}

# Sum of an attribute over the <assembly ...> elements of an xunit v2+ XML result file.
xml_sum() {
    local file="$1" attr="$2"
    grep -o '<assembly [^>]*>' "$file" 2>/dev/null | grep -o " $attr=\"[0-9]*\"" | grep -o '[0-9]\+' |
        awk '{ s += $1 } END { print s + 0 }'
}

# Runs one test executable; records passed/failed/skipped from its XML result (falling back to
# the runner's own "Total: N, Errors: N, Failed: N, Skipped: N, Not Run: N" line).
run_tests() { # name isa-env(or empty) cpu-label command...
    local name="$1" isa="$2" label="$3"; shift 3
    local slug; slug="$(echo "$name" | tr -c 'A-Za-z0-9.-' '_')"
    local log="$RUN_DIR/$slug.log" xml="$RUN_DIR/$slug.xml" report="$RUN_DIR/$slug.report"
    rm -f "$log" "$xml" "$report"
    local t0=$SECONDS rc
    (
        if [ -n "$isa" ]; then export AQD_KERNELS_ISA="$isa"; else unset AQD_KERNELS_ISA; fi
        export AQD_TEST_REPORT="$report" AQD_CPU_LABEL="$label"
        "$@" -noColor -result-xml "$xml" "${EXTRA_ARGS[@]}" < /dev/null
    ) 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    local secs=$((SECONDS - t0)) passed failed skipped errors notrun total note=""
    if [ -s "$xml" ] && grep -q '<assembly ' "$xml"; then
        total=$(xml_sum "$xml" total); passed=$(xml_sum "$xml" passed); failed=$(xml_sum "$xml" failed)
        skipped=$(xml_sum "$xml" skipped); errors=$(xml_sum "$xml" errors); notrun=$(xml_sum "$xml" not-run)
    else
        local line
        line="$(grep -aoE 'Total: [0-9]+, Errors: [0-9]+, Failed: [0-9]+, Skipped: [0-9]+, Not Run: [0-9]+' "$log" | tail -n 1)"
        if [ -z "$line" ]; then
            record_run "$name" 0 1 0 "$secs" "DID NOT RUN (exit code $rc, no result; see $log)" "$report" ""
            return
        fi
        read -r total errors failed skipped notrun <<< "$(echo "$line" | grep -oE '[0-9]+' | tr '\n' ' ')"
        passed=$((total - errors - failed - skipped - notrun))
        note="no XML result; counted from the runner's summary line"
    fi
    failed=$((failed + errors)); skipped=$((skipped + notrun))
    [ "$errors" -gt 0 ] && note="${note:+$note; }$errors runner error(s) counted as failures"
    if [ "$total" -eq 0 ]; then
        failed=$((failed + 1)); note="${note:+$note; }no tests were discovered (counted as a failure)"
    elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1; note="${note:+$note; }runner exited with code $rc although no test failed (counted as a failure)"
    fi
    record_run "$name" "$passed" "$failed" "$skipped" "$secs" "$note" "$report" "$xml"
}

not_run() { record_run "$1" 0 1 0 0 "DID NOT RUN: $2" "" ""; }

# Which forced ISA (AQD_KERNELS_ISA) a run on this CPU can honour; empty = leave unforced.
isa_for() { # x64 | cortex-a72 | cortex-a76
    local want; want="$(echo "${AQD_KERNELS_ISA:-}" | tr 'A-Z' 'a-z' | tr -d ' ')"
    case "$want" in
        ""|auto) echo "" ;;
        scalar) echo scalar ;;
        avx2|avxvnni) [ "$1" = x64 ] && echo "$want" ;;
        advsimd) [ "$1" != x64 ] && echo advsimd ;;
        advsimd-dp) [ "$1" = cortex-a76 ] && echo advsimd-dp; [ "$1" = cortex-a72 ] && echo advsimd ;;
        *) echo "$want" ;;  # unknown: pass it on, the kernels report the error
    esac
    return 0
}

with_retries() { # command... (network steps: NuGet restore)
    local i
    for i in 1 2 3; do
        "$@" && return 0
        [ "$i" -lt 3 ] && { note "attempt $i failed; retrying in $((i * 10)) s"; sleep $((i * 10)); }
    done
    return 1
}

# ---------------------------------------------------------------- 1. packages
ensure_packages() {
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then note "all present: ${APT_PACKAGES[*]}"; return 0; fi
    note "installing: ${missing[*]}"
    as_root apt-get update -q < /dev/null && as_root apt-get install -y -q --no-install-recommends "${missing[@]}" < /dev/null
}

# ---------------------------------------------------------------- 2. arm64 library root for qemu
ensure_arm64_root() {
    local stamp="$ARM64_ROOT/.aqd-arm64root"
    if [ -f "$stamp" ] && [ -e "$ARM64_ROOT/lib/ld-linux-aarch64.so.1" ]; then
        note "cached: $ARM64_ROOT ($(cat "$stamp"))"; return 0
    fi
    [ -d /usr/aarch64-linux-gnu/lib ] || { echo "run-all.sh: /usr/aarch64-linux-gnu missing (libc6-dev-arm64-cross)" >&2; return 1; }
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        note "adding dpkg architecture arm64"
        as_root dpkg --add-architecture arm64 || return 1
        as_root apt-get update -q < /dev/null || return 1
    else
        local policy; policy="$(apt-cache policy "${ARM64_DEBS[@]}" 2>/dev/null)"
        if [ "$(grep -c 'Candidate: [0-9]' <<< "$policy")" -lt ${#ARM64_DEBS[@]} ]; then
            as_root apt-get update -q < /dev/null || return 1
        fi
    fi
    local debs="$CACHE/arm64debs" staging="$ARM64_ROOT.partial"
    rm -rf "$debs" "$staging"; mkdir -p "$debs"
    # As root, download without the _apt sandbox user (it cannot write into this folder).
    local sandbox=(); [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
    (cd "$debs" && with_retries apt-get download -q "${sandbox[@]}" "${ARM64_DEBS[@]}" < /dev/null) || return 1
    cp -a /usr/aarch64-linux-gnu "$staging" || return 1
    local deb
    for deb in "$debs"/*.deb; do dpkg -x "$deb" "$staging" || return 1; done
    # The loader searches <root>/lib first: put the extracted libraries there as well.
    cp -a "$staging"/usr/lib/aarch64-linux-gnu/. "$staging"/lib/ || return 1
    local lib
    for lib in ld-linux-aarch64.so.1 libc.so.6 libssl.so.3 libcrypto.so.3 libicuuc.so.72; do
        [ -e "$staging/lib/$lib" ] || { echo "run-all.sh: $lib missing from the arm64 root" >&2; return 1; }
    done
    (cd "$debs" && ls ./*.deb | sed 's|^\./||' | tr '\n' ' ') > "$staging/.aqd-arm64root"
    rm -rf "$ARM64_ROOT" && mv "$staging" "$ARM64_ROOT" && rm -rf "$debs"
    note "built: $ARM64_ROOT"
}

# ---------------------------------------------------------------- test project discovery
# Every project of the solution that references xunit.v3 (or says IsTestProject=true).
discover_test_projects() {
    grep -oE '"[^"]+\.csproj"' "$SOLUTION" | tr -d '"' | tr '\\' '/' | while read -r proj; do
        [ -f "$proj" ] && grep -qiE 'Include="xunit\.v3"|<IsTestProject>\s*true' "$proj" && echo "$proj"
    done
}

# ================================================================= main
mkdir -p "$ARTIFACTS" "$CACHE" "$RUN_DIR"
echo "AQD.Edge tests: $REPO ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo 'no git')), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
[ -n "${AQD_KERNELS_ISA:-}" ] && echo "AQD_KERNELS_ISA=$AQD_KERNELS_ISA: forced where the CPU supports it"

step "Debian packages"
PACKAGES_OK=1
ensure_packages || { PACKAGES_OK=0; echo "run-all.sh: installing packages failed" >&2; }

BUILD_OK=0
step "restore + build $SOLUTION ($CONFIGURATION)"
if ! command -v dotnet >/dev/null 2>&1; then
    echo "run-all.sh: dotnet (the .NET 10 SDK) is not on PATH" >&2
elif with_retries dotnet restore "$SOLUTION" -v q --nologo &&
     dotnet build "$SOLUTION" -c "$CONFIGURATION" --no-restore -v q --nologo -clp:ErrorsOnly; then
    BUILD_OK=1
else
    echo "run-all.sh: restore/build failed" >&2
fi

# The Worker tests run the NativeAOT linux-arm64 aqd-edge under qemu: publish it once here (publish.sh,
# a few minutes on 2 cores) and hand the path over; without it their fixture would publish it itself.
if [ "$BUILD_OK" -eq 1 ] && [ "${AQD_SKIP_ARM64:-0}" != 1 ]; then
    step "publish aqd-edge (NativeAOT linux-arm64) for the Worker tests"
    if bash publish.sh --worker linux-arm64; then
        export AQD_EDGE_ARM64="$REPO/dist/linux-arm64/aqd-edge"
    else
        note "publish.sh --worker linux-arm64 failed; the Worker tests' arm64 fixture will retry and report it"
    fi
elif [ "${AQD_SKIP_ARM64:-0}" = 1 ]; then
    export AQD_EDGE_ARM64=none  # the Worker tests' arm64 test then fails fast (arm64 runs did not happen)
fi

mapfile -t TEST_PROJECTS < <(discover_test_projects)
note "test projects: ${TEST_PROJECTS[*]:-(none found)}"
[ ${#TEST_PROJECTS[@]} -gt 0 ] || not_run "x64 (no test projects)" "no xunit.v3 project in $SOLUTION"

for proj in "${TEST_PROJECTS[@]}"; do
    name="x64 $(basename "$proj" .csproj)"
    step "$name"
    if [ "$BUILD_OK" -ne 1 ]; then not_run "$name" "build failed"; continue; fi
    dll="$(dotnet msbuild "$proj" -nologo -getProperty:TargetPath -p:Configuration="$CONFIGURATION" 2>/dev/null | tail -n 1)"
    if [ ! -f "$dll" ]; then not_run "$name" "built test assembly not found ($dll)"; continue; fi
    if [ -x "${dll%.dll}" ]; then cmd=("${dll%.dll}"); else cmd=(dotnet "$dll"); fi
    run_tests "$name" "$(isa_for x64)" "host" "${cmd[@]}"
done

for proj in "${ARM64_TEST_PROJECTS[@]}"; do
    pname="$(basename "$proj" .csproj)"
    eval "PROJECT_ARGS=(${ARM64_TEST_ARGS[$proj]:-})"
    if [ "${AQD_SKIP_ARM64:-0}" = 1 ]; then
        for cpu in "${ARM64_CPUS[@]}"; do not_run "arm64 $cpu $pname" "AQD_SKIP_ARM64=1"; done
        continue
    fi
    step "arm64 library root for qemu"
    if [ "$PACKAGES_OK" -ne 1 ] || ! ensure_arm64_root; then
        for cpu in "${ARM64_CPUS[@]}"; do not_run "arm64 $cpu $pname" "no arm64 library root / qemu"; done
        continue
    fi
    step "publish $pname for linux-arm64 (self-contained)"
    out="$ARM64_PUBLISH/$pname"
    if [ "$BUILD_OK" -ne 1 ]; then
        for cpu in "${ARM64_CPUS[@]}"; do not_run "arm64 $cpu $pname" "build failed"; done
        continue
    fi
    rm -rf "$out"
    if ! with_retries dotnet publish "$proj" -c "$CONFIGURATION" -r linux-arm64 --self-contained -o "$out" -v q --nologo -clp:ErrorsOnly ||
       [ ! -x "$out/$pname" ]; then
        for cpu in "${ARM64_CPUS[@]}"; do not_run "arm64 $cpu $pname" "linux-arm64 publish failed"; done
        continue
    fi
    for cpu in "${ARM64_CPUS[@]}"; do
        step "arm64 $cpu $pname (qemu, JIT)"
        # DOTNET_EnableWriteXorExecute=0: with W^X the runtime writes JIT code and patches stubs
        # through a second (RW) mapping of the code pages; qemu-user does not see writes through
        # that alias and keeps running stale translations (NullReferenceExceptions in reflection
        # stubs, segfaults). Without double mapping qemu detects the code changes.
        run_tests "arm64 $cpu $pname" "$(isa_for "$cpu")" "$cpu" \
            env DOTNET_EnableWriteXorExecute=0 \
            timeout --kill-after=30 "$QEMU_TIMEOUT" qemu-aarch64-static -cpu "$cpu" -L "$ARM64_ROOT" "$out/$pname" "${PROJECT_ARGS[@]}"
    done
done

# ---------------------------------------------------------------- summary
TOTAL_PASSED=0; TOTAL_FAILED=0; TOTAL_SKIPPED=0
echo
echo "==================================== AQD.Edge test summary ===================================="
printf '%-48s %7s %7s %8s %7s\n' "run" "passed" "failed" "skipped" "time"
for i in "${!RUN_NAMES[@]}"; do
    printf '%-48s %7s %7s %8s %6ss\n' "${RUN_NAMES[$i]}" "${RUN_PASSED[$i]}" "${RUN_FAILED[$i]}" "${RUN_SKIPPED[$i]}" "${RUN_SECONDS[$i]}"
    [ -n "${RUN_NOTES[$i]}" ] && printf '    note: %s\n' "${RUN_NOTES[$i]}"
    TOTAL_PASSED=$((TOTAL_PASSED + RUN_PASSED[i])); TOTAL_FAILED=$((TOTAL_FAILED + RUN_FAILED[i])); TOTAL_SKIPPED=$((TOTAL_SKIPPED + RUN_SKIPPED[i]))
done

echo
echo "Kernel variants per CPU (AQD-VARIANTS: ISA paths of the CPU and the variant KernelTable selects per family):"
for i in "${!RUN_NAMES[@]}"; do
    echo "  [${RUN_NAMES[$i]}]"
    if [ -n "${RUN_REPORTS[$i]}" ] && [ -s "${RUN_REPORTS[$i]}" ]; then
        grep -E '^AQD-(VARIANTS|FAMILY)' "${RUN_REPORTS[$i]}" | sed 's/^/    /'
    else
        echo "    (no report)"
    fi
done

echo
echo "Integer-only IL scan:"
for i in "${!RUN_NAMES[@]}"; do
    [ -n "${RUN_REPORTS[$i]}" ] && [ -s "${RUN_REPORTS[$i]}" ] || continue
    if grep -qE '^AQD-ILSCAN [^s]' "${RUN_REPORTS[$i]}"; then
        echo "  [${RUN_NAMES[$i]}]"
        grep -E '^AQD-ILSCAN (AQD|excluded|violation)' "${RUN_REPORTS[$i]}" | sed 's/^/    /'
    fi
done

FAILED_TESTS=()
for i in "${!RUN_NAMES[@]}"; do
    [ -n "${RUN_XML[$i]}" ] && [ -s "${RUN_XML[$i]}" ] || continue
    while IFS= read -r t; do FAILED_TESTS+=("[${RUN_NAMES[$i]}] $t"); done < <(
        grep -o '<test [^>]*result="Fail"[^>]*>' "${RUN_XML[$i]}" | grep -o ' name="[^"]*"' | sed 's/^ name="//; s/"$//')
done
if [ ${#FAILED_TESTS[@]} -gt 0 ]; then
    echo
    echo "Failed tests (messages and stack traces are in the run logs above and in $RUN_DIR/):"
    printf '  %s\n' "${FAILED_TESTS[@]}"
fi
echo
echo "Total time $(((SECONDS - START) / 60)) min $(((SECONDS - START) % 60)) s; logs and XML results in ${RUN_DIR#"$REPO"/}/"

LAST="$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$TOTAL_SKIPPED" -gt 0 ] && LAST="$LAST, $TOTAL_SKIPPED skipped"
echo "$LAST"
[ "$TOTAL_FAILED" -eq 0 ] && [ ${#RUN_NAMES[@]} -gt 0 ]
