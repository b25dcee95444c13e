#!/usr/bin/env bash
# Publishes the AQD.Edge deliverables.
#
#   bash publish.sh                      aqd-edge for linux-arm64 and linux-x64, then the arm64 kernel test executable
#   bash publish.sh --worker [RID...]    only aqd-edge (default RIDs: linux-arm64 linux-x64)
#   bash publish.sh --tests              only the arm64 kernel test executable
#
# aqd-edge (app/AQD.Edge.Worker): NativeAOT single-file binary, cross-compiled from x86-64, into
# dist/<rid>/ with the model blobs (models/: NanoDet int8 and the AQD digit demo blobs), a sample appsettings.json and the systemd unit
# (aqd-edge.service); prints the sizes. linux-arm64 (Raspberry Pi 4/5, Jetson) checks for dot-product
# support at run time, so one binary serves Cortex-A72 and A76; linux-x64 targets x86-64-v3 (AVX2).
# Needs clang, lld and (arm64) gcc-aarch64-linux-gnu + libc6-dev-arm64-cross (tests/run-all.sh installs them).
# Run the arm64 binary here with:
#   qemu-aarch64-static -cpu cortex-a72 -L /usr/aarch64-linux-gnu dist/linux-arm64/aqd-edge detect tests/data/images
#
# Kernel test executable (what tests/run-all.sh's qemu runs use; run-all.sh publishes its own copy):
# self-contained (JIT) for linux-arm64 into artifacts/publish/linux-arm64/AQD.Edge.Kernels.Tests, run with
#   DOTNET_EnableWriteXorExecute=0 qemu-aarch64-static -cpu cortex-a76 -L artifacts/cache/arm64root artifacts/publish/linux-arm64/AQD.Edge.Kernels.Tests/AQD.Edge.Kernels.Tests
# (artifacts/cache/arm64root is created by tests/run-all.sh; W^X off, or qemu runs stale JIT code).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

OUT="artifacts/publish"
DIST="dist"
WORKER="app/AQD.Edge.Worker/AQD.Edge.Worker.csproj"
MODEL="app/models/nanodet-g-416-int8.aqd"

do_worker=1 do_tests=1 rids=()
case "${1:-}" in
    --worker) do_tests=0; shift ;;
    --tests) do_worker=0; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
esac
rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=(linux-arm64 linux-x64)

publish_worker() { # rid
    local rid="$1" obj="$OUT/$1/aqd-edge" dist="$DIST/$1" extra=()
    [ "$rid" = linux-x64 ] && extra=(-p:IlcInstructionSet=x86-64-v3)
    echo "==> aqd-edge: NativeAOT $rid -> $dist/"
    rm -rf "$obj"
    dotnet publish "$WORKER" -c Release -r "$rid" -p:PublishAot=true "${extra[@]}" -o "$obj" -v q --nologo -clp:NoSummary
    rm -rf "$dist" && mkdir -p "$dist/models"
    cp "$obj/aqd-edge" "$obj/appsettings.json" "$dist/"
    cp hardware/systemd/aqd-edge.service "$dist/"
    if [ -f "$MODEL" ]; then cp "$MODEL" "$dist/models/"; else echo "    note: $MODEL missing; dist/$rid has no model" >&2; fi
    cp app/models/aqd-*-digits-m*.aqd "$dist/models/" 2>/dev/null || true # trained low-bit digit demo blobs (app/models/README.md)
    (cd "$dist" && find . -type f -printf '%s %p\n' | sort -k2 | awk '{ printf "    %10.1f KB  %s\n", $1 / 1024, substr($2, 3) }')
}

publish_self_contained() { # project rid
    local name; name="$(basename "$1" .csproj)"
    echo "==> $name: self-contained $2 -> $OUT/$2/$name"
    dotnet publish "$1" -c Release -r "$2" --self-contained -o "$OUT/$2/$name" -v q --nologo
}

if [ "$do_worker" = 1 ]; then
    for rid in "${rids[@]}"; do publish_worker "$rid"; done
fi
if [ "$do_tests" = 1 ]; then
    publish_self_contained tests/AQD.Edge.Kernels.Tests/AQD.Edge.Kernels.Tests.csproj linux-arm64
fi
echo "published: $( [ "$do_worker" = 1 ] && printf "$DIST/%s/ " "${rids[@]}" )$( [ "$do_tests" = 1 ] && echo "$OUT/linux-arm64/AQD.Edge.Kernels.Tests/")"
