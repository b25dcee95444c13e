#!/usr/bin/env bash
# Publishes AQD.Edge deliverables into artifacts/publish/<rid>/.
#
# Target state: NativeAOT-publish the kernels' test-free deliverables (the worker app and the
# tools) for linux-arm64 and linux-x64. Issue #2 (the kernel library) has no executable
# deliverable yet, so for now this publishes what the test command uses: the kernel test
# executable, self-contained (JIT) for linux-arm64, runnable on a Raspberry Pi 4/5 or here under
#   DOTNET_EnableWriteXorExecute=0 qemu-aarch64-static -cpu cortex-a76 -L artifacts/cache/arm64root artifacts/publish/linux-arm64/AQD.Edge.Kernels.Tests/AQD.Edge.Kernels.Tests
# (artifacts/cache/arm64root is created by tests/run-all.sh; W^X off, or qemu runs stale JIT code).
#
# Usage: bash publish.sh            (Release)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

OUT="artifacts/publish"

publish_self_contained() { # project rid
    local name; name="$(basename "$1" .csproj)"
    echo "==> $name: self-contained $2 -> $OUT/$2/$name"
    dotnet publish "$1" -c Release -r "$2" --self-contained -o "$OUT/$2/$name" -v q --nologo
}

# NativeAOT deliverables (app/, tools/) are added here as they arrive, e.g.:
#   dotnet publish app/AQD.Edge.Worker -c Release -r linux-arm64 -p:PublishAot=true -o "$OUT/linux-arm64/AQD.Edge.Worker"
#   dotnet publish app/AQD.Edge.Worker -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=x86-64-v3 -o "$OUT/linux-x64/AQD.Edge.Worker"

publish_self_contained tests/AQD.Edge.Kernels.Tests/AQD.Edge.Kernels.Tests.csproj linux-arm64

echo "published into $OUT/"
