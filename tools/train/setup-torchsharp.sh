#!/usr/bin/env bash
# setup-torchsharp.sh [OUT_DIR] [LIBTORCHSHARP_SO]
#
# TorchSharp 0.107's libLibTorchSharp.so needs std::ios_base_library_init() (GLIBCXX_3.4.32, GCC 13+);
# Debian 12's libstdc++ (GCC 12) lacks it, so loading TorchSharp fails there. This script makes the
# documented shim (../shared/reference/toolchain.md, "TorchSharp (CPU training) on Debian 12"):
#   1. libstdcxx_ios_shim.so defines the function (shim/ios_base_shim.cpp, g++);
#   2. a copy of libLibTorchSharp.so (from the NuGet cache) patched with patchelf: the symbol's
#      version cleared, the shim added as a needed library, rpath $ORIGIN;
#   3. its remaining version need GLIBCXX_3.4.32 marked weak (shim/weaken_verneed.cpp).
# Both .so files go to OUT_DIR (default artifacts/torchsharp-shim/); tools/train/TorchSharpShim.targets
# copies them into the output folder of every project that uses TorchSharp (build and publish).
# Idempotent: does nothing when OUT_DIR is up to date. Where the system libstdc++ has GLIBCXX_3.4.32
# (GCC 13+), nothing is needed: OUT_DIR gets only a NOT-NEEDED marker. Needs g++ and patchelf
# (APT packages g++ patchelf; tests/run-all.sh and .ci/run install them). Exit status 0 on success
# or when nothing is needed, 1 on an error (message says what is missing).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$REPO/artifacts/torchsharp-shim}"
VERSION=0.107.0
NUGET="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
SRC="${2:-$NUGET/torchsharp/$VERSION/runtimes/linux-x64/native/libLibTorchSharp.so}"
mkdir -p "$OUT"

libstdcxx="$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')"
if [ -n "$libstdcxx" ] && grep -qa 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
    rm -f "$OUT/libLibTorchSharp.so" "$OUT/libstdcxx_ios_shim.so"
    echo "system libstdc++ ($libstdcxx) has GLIBCXX_3.4.32: no shim needed" > "$OUT/NOT-NEEDED"
    exit 0
fi
rm -f "$OUT/NOT-NEEDED"

if [ ! -f "$SRC" ]; then
    echo "setup-torchsharp.sh: $SRC not found (restore tools/train/AQD.Edge.Train first: dotnet restore)" >&2
    exit 1
fi
if [ -f "$OUT/libLibTorchSharp.so" ] && [ -f "$OUT/libstdcxx_ios_shim.so" ] && [ "$OUT/libLibTorchSharp.so" -nt "$SRC" ] \
    && [ "$OUT/libLibTorchSharp.so" -nt "$HERE/shim/weaken_verneed.cpp" ] && [ "$OUT/libstdcxx_ios_shim.so" -nt "$HERE/shim/ios_base_shim.cpp" ]; then
    exit 0   # up to date
fi
for tool in g++ patchelf; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "setup-torchsharp.sh: '$tool' is missing (apt-get install g++ patchelf); TorchSharp cannot load on this system without the shim" >&2
        exit 1
    fi
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
g++ -O2 -shared -fPIC -o "$TMP/libstdcxx_ios_shim.so" "$HERE/shim/ios_base_shim.cpp"
g++ -O2 -o "$TMP/weaken_verneed" "$HERE/shim/weaken_verneed.cpp"
cp "$SRC" "$TMP/libLibTorchSharp.so"
chmod u+w "$TMP/libLibTorchSharp.so"
patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$TMP/libLibTorchSharp.so"
patchelf --add-needed libstdcxx_ios_shim.so "$TMP/libLibTorchSharp.so"
patchelf --set-rpath '$ORIGIN' "$TMP/libLibTorchSharp.so"
rc=0
"$TMP/weaken_verneed" "$TMP/libLibTorchSharp.so" GLIBCXX_3.4.32 || rc=$?
if [ "$rc" -eq 1 ]; then exit 1; fi   # 2: no such need left (fine)
mv "$TMP/libstdcxx_ios_shim.so" "$OUT/libstdcxx_ios_shim.so"
mv "$TMP/libLibTorchSharp.so" "$OUT/libLibTorchSharp.so"
echo "setup-torchsharp.sh: patched libLibTorchSharp.so and libstdcxx_ios_shim.so in $OUT"
