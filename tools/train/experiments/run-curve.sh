#!/usr/bin/env bash
# AQD bit-width curve on the digit scenes (issue #7 item 5): for FCOS and RetinaNet, one float model
# (trained by the 4-bit run), QAT at 4, 3 and 2 bits from that float.pth, and the 2-bit shared-head-BN
# ablation (its own float model: one BN per head conv instead of one per pyramid level, so the multi-level
# float.pth does not fit it). Same schedule for every run; then the results table and the plot.
# Control (its own table): a float model trained for FLOAT_ITERS + QAT_ITERS iterations (run
# FAMILY-float-long, --qat-iters 1), the float accuracy the same total training reaches without quantization,
# then from that longer-trained float model QAT at 4, 3 and 2 bits (FAMILY-long-m4/m3/m2; their QAT data
# continues after the float model's, as in the matrix), progressive 2-bit QAT from the 4-bit model's
# qat-state.pth (FAMILY-long-m2p: --from-qat; its QAT data continues after the 4-bit run's), the
# shared-head-BN pair trained the same way (FAMILY-sharedbn-float-long, FAMILY-sharedbn-long-m2), and
# direct 2-bit QAT for 2 x QAT_ITERS (FAMILY-long-m2-2x: as many QAT iterations as 4-bit + progressive 2-bit).
#
#   bash tools/train/experiments/run-curve.sh            # from the repository root
#   FAMILIES=fcos QAT_ITERS=600 CONTROL=0 bash tools/train/experiments/run-curve.sh
#
# Environment: OUT (artifacts/train-runs/curve), FAMILIES ("fcos retinanet"), FLOAT_ITERS (2000),
# QAT_ITERS (3000), CONTROL (1: also the float-long control and QAT at 4/2 bits from it), THREADS (1 torch thread: two multi-threaded runtimes on a shared 2-core machine collapse),
# COMMON (model / data options for every run), TRAIN (an aqd-train executable already built: skips the
# trainer build). A run whose metrics.json exists is skipped (rerun = resume).
# Time on this machine (2 shared cores, two families in parallel, 1 thread each): ~8 min per 2000 float
# iterations, ~15 min per 3000 QAT iterations, ~1 min evaluation per run: about 1.5 h per family, 4.5 h
# with the control (docs/training.md).
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-artifacts/train-runs/curve}
FAMILIES=${FAMILIES:-"fcos retinanet"}
FLOAT_ITERS=${FLOAT_ITERS:-2000}
QAT_ITERS=${QAT_ITERS:-3000}
CONTROL=${CONTROL:-1}
THREADS=${THREADS:-1}
COMMON=${COMMON:-"--width 16 --fpn 32 --size 128 --batch 16 --val 200 --log-every 50"}

for v in FLOAT_ITERS QAT_ITERS THREADS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "run-curve: $v=${!v} must be a positive integer" >&2; exit 2; }
done
[[ $CONTROL == 0 || $CONTROL == 1 ]] || { echo "run-curve: CONTROL=$CONTROL must be 0 or 1" >&2; exit 2; }
for f in $FAMILIES; do
    [[ $f == fcos || $f == retinanet ]] || { echo "run-curve: FAMILIES: '$f' is not fcos or retinanet" >&2; exit 2; }
done
if [ -z "${TRAIN:-}" ]; then
    [ -f tools/train/AQD.Edge.Train/AQD.Edge.Train.csproj ] || { echo "run-curve: tools/train/AQD.Edge.Train (aqd-train) not found" >&2; exit 2; }
    dotnet build tools/train/AQD.Edge.Train -c Release -v q --nologo -clp:ErrorsOnly
    TRAIN=$(find tools/train/AQD.Edge.Train/bin/Release/net10.0 -name aqd-train -type f | head -n 1)
fi
dotnet build tools/train/AQD.Edge.TrainReport -c Release -v q --nologo -clp:ErrorsOnly
REPORT=tools/train/AQD.Edge.TrainReport/bin/Release/net10.0/aqd-train-report
[ -x "$TRAIN" ] || { echo "run-curve: aqd-train executable not found after the build" >&2; exit 2; }
mkdir -p "$OUT"

# run NAME OPTIONS...: one aqd-train run into $OUT/NAME (log $OUT/NAME.log), skipped when done.
run() {
    local name=$1; shift
    if [ -f "$OUT/$name/metrics.json" ]; then
        echo "== $name: done already ($OUT/$name/metrics.json)"
        return
    fi
    echo "== $name: $(date -u +%H:%M:%S) aqd-train run $*"
    # shellcheck disable=SC2086
    "$TRAIN" run --out "$OUT/$name" --threads "$THREADS" $COMMON "$@" > "$OUT/$name.log" 2>&1 \
        || { echo "run-curve: $name failed, see $OUT/$name.log" >&2; tail -n 5 "$OUT/$name.log" >&2; exit 1; }
    grep '^summary:' "$OUT/$name.log" || true
}

runs=()
longruns=()
for f in $FAMILIES; do
    run "$f-m4" --family "$f" --bits 4 --float-iters "$FLOAT_ITERS" --qat-iters "$QAT_ITERS"
    for b in 3 2; do
        run "$f-m$b" --family "$f" --bits "$b" --from-float "$OUT/$f-m4/float.pth" --qat-iters "$QAT_ITERS"
    done
    run "$f-sharedbn-m2" --family "$f" --bits 2 --shared-bn --float-iters "$FLOAT_ITERS" --qat-iters "$QAT_ITERS"
    runs+=("$OUT/$f-m4" "$OUT/$f-m3" "$OUT/$f-m2" "$OUT/$f-sharedbn-m2")
    if [ "$CONTROL" = 1 ]; then
        long=$((FLOAT_ITERS + QAT_ITERS))
        run "$f-float-long" --family "$f" --bits 4 --float-iters "$long" --qat-iters 1
        run "$f-long-m4" --family "$f" --bits 4 --from-float "$OUT/$f-float-long/float.pth" --float-iters "$long" --qat-iters "$QAT_ITERS"
        run "$f-long-m2p" --family "$f" --bits 2 --from-qat "$OUT/$f-long-m4/qat-state.pth" --float-iters "$((long + QAT_ITERS))" --qat-iters "$QAT_ITERS"
        for b in 3 2; do
            run "$f-long-m$b" --family "$f" --bits "$b" --from-float "$OUT/$f-float-long/float.pth" --float-iters "$long" --qat-iters "$QAT_ITERS"
        done
        run "$f-sharedbn-float-long" --family "$f" --bits 4 --shared-bn --float-iters "$long" --qat-iters 1
        run "$f-sharedbn-long-m2" --family "$f" --bits 2 --shared-bn --from-float "$OUT/$f-sharedbn-float-long/float.pth" --float-iters "$long" --qat-iters "$QAT_ITERS"
        run "$f-long-m2-2x" --family "$f" --bits 2 --from-float "$OUT/$f-float-long/float.pth" --float-iters "$long" --qat-iters "$((2 * QAT_ITERS))"
        # the 2-bit variants (6000 QAT iterations in all) before the same-schedule 2-bit run: the goals and the plot
        # use the run listed last per family, bit width and head BN (ResultsTable)
        longruns+=("$OUT/$f-float-long" "$OUT/$f-long-m4" "$OUT/$f-long-m3" "$OUT/$f-long-m2p" "$OUT/$f-long-m2-2x" "$OUT/$f-long-m2"
            "$OUT/$f-sharedbn-float-long" "$OUT/$f-sharedbn-long-m2")
    fi
done

"$REPORT" --md "$OUT/results.md" --png "$OUT/aqd-digits-ap-vs-bits.png" --repetitions 21 "${runs[@]}"
echo "run-curve: table $OUT/results.md, plot $OUT/aqd-digits-ap-vs-bits.png"
if [ ${#longruns[@]} -gt 0 ]; then
    "$REPORT" --md "$OUT/results-float-long.md" --png "$OUT/aqd-digits-ap-vs-bits-float-long.png" --no-latency "${longruns[@]}"
    echo "run-curve: control table and plot (QAT from the longer-trained float models) $OUT/results-float-long.md, $OUT/aqd-digits-ap-vs-bits-float-long.png"
fi
