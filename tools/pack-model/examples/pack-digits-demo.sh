#!/usr/bin/env bash
# Packs a trained AQD digit detector (an aqd-train run folder: qat.pth + policy.json, tools/train/README.md)
# into a demo blob with the digit labels "0".."9" (app/models/digits.names), the DETC decode tables and the
# demo's score threshold 400 per mille (measured on app/demo/digits: app/models/README.md), then validates
# it with `inspect`. Run from anywhere: paths are relative to the repository root.
#
#   bash tools/pack-model/examples/pack-digits-demo.sh RUN_DIR [output.aqd]
#
# Default output: app/models/aqd-<family>-digits-m<bits>.aqd (family and bits from RUN_DIR/policy.json),
# the names the demo, the tests and the README use. Example (the bundled blobs):
#   bash tools/pack-model/examples/pack-digits-demo.sh app/models/checkpoints/fcos-digits-m4
#   bash tools/pack-model/examples/pack-digits-demo.sh app/models/checkpoints/fcos-digits-m2
#   bash tools/pack-model/examples/pack-digits-demo.sh app/models/checkpoints/retinanet-digits-m4
# After replacing a blob, update its row in app/models/README.md (val AP from RUN_DIR/metrics.json, the
# checkpoint's sha256, printed below) and re-measure the floors of the demo tests (app/demo/digits/README.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
run="${1:?usage: pack-digits-demo.sh RUN_DIR [output.aqd]}"
run="$(cd "$run" && pwd)"
for f in qat.pth policy.json; do [ -f "$run/$f" ] || { echo "pack-digits-demo: $run/$f missing" >&2; exit 1; }; done
family="$(sed -n 's/.*"family": *"\([a-z]*\)".*/\1/p' "$run/policy.json")"
bits="$(sed -n 's/.*"bits": *\([0-9]*\).*/\1/p' "$run/policy.json")"
[ -n "$family" ] && [ -n "$bits" ] || { echo "pack-digits-demo: no family/bits in $run/policy.json" >&2; exit 1; }
name="aqd-$family-digits-m$bits"
out="${2:-$root/app/models/$name.aqd}"

pack_model() { dotnet run --project "$root/tools/pack-model" -c Release -- "$@"; }

mkdir -p "$(dirname "$out")"
pack_model pack-aqd "$run/qat.pth" --policy "$run/policy.json" --labels "$root/app/models/digits.names" --name "$name" \
    --score-threshold 400 -o "$out"
pack_model inspect "$out" | grep -v " WGHT "
echo "checkpoint sha256: $(sha256sum "$run/qat.pth" | cut -d' ' -f1)"
if [ -f "$run/metrics.json" ]; then
    echo "metrics.json engineAp.AP: $(tr -d '\n ' < "$run/metrics.json" | sed -n 's/.*"engineAp":{"AP":\([0-9.]*\).*/\1/p')"
fi
