#!/usr/bin/env bash
# Packs the demo detector blob app/models/nanodet-g-416-int8.aqd from the float NanoDet-g-416 ONNX in
# tests/data/models/nanodet-g-416 (see its README): int8, calibrated (mse ranges, then sequential empirical bias
# correction: tools/pack-model/README.md) with ONNX Runtime on the
# repository photos tests/data/images (including images/more: seven photos), NanoDet's preprocessing
# (BGR, stretch to 416x416, mean/std folded into the blob input's quantization) and the detector
# metadata (labels, strides, reg_max, thresholds) and the DETC decode tables pack adds for detectors.
# Then validates the blob with `inspect` and compares it with the float model with `verify`. Run from anywhere: paths are relative to the repository root.
#
#   bash tools/pack-model/examples/pack-nanodet.sh [output.aqd]
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
model="$root/tests/data/models/nanodet-g-416"
out="${1:-$root/app/models/nanodet-g-416-int8.aqd}"
photos="$(mktemp -d)"
trap 'rm -rf "$photos"' EXIT
# one flat folder of the calibration photos (pack --calibrate reads one folder, not subfolders)
find "$root/tests/data/images" -type f \( -name '*.jpg' -o -name '*.png' \) -exec ln -s {} "$photos/" \;

pack_model() { dotnet run --project "$root/tools/pack-model" -c Release -- "$@"; }

mkdir -p "$(dirname "$out")"
pack_model pack "$model/model.onnx" -o "$out" --name nanodet-g-416 --labels "$model/coco.names" \
    --calibrate "$photos" --calibrate-method mse --bias-correction empirical \
    --bgr --mean 103.53,116.28,123.675 --std 57.375,57.12,58.395 \
    --detector nanodet --strides 8,16,32 --reg-max 10 \
    --score-threshold 350 --iou-threshold 600 --max-detections 100
pack_model inspect "$out"
# The class scores are int16 at 1/32768 (pack's default --sigmoid-bits 16; the DETC decoder reads them):
# every output keeps cosine >= 0.99 against the float model (worst 0.9981, cls_pred_stride_8, see
# tools/pack-model/README.md). SQNR stays at 20 dB and above (worst 23.8 dB), verify's defaults.
pack_model verify "$out" --reference "$model/model.onnx" --images "$photos" --min-cosine 0.99 --min-sqnr 20
