#!/usr/bin/env bash
# ARM64 instructions per inference without ARM hardware (issue #6, part 3).
#
# 1. builds the TCG plugin (build.sh) and publishes tools/qemu-insn/runner NativeAOT for linux-arm64;
# 2. exports the benchmark networks with the bench (x64): our blobs per bit width (pack-model
#    calibration on tests/data/images), the QDQ export of the 8-bit blob (ONNX Runtime int8 on the
#    same calibrated network) - `aqd-bench models --no-timing --export`;
# 3. for each CPU model (cortex-a72: NEON; cortex-a76: NEON + dot product) and each network, runs
#    the runner under `qemu-aarch64 -plugin libinsn_count.so` with N and 2N inferences (1 thread):
#    instructions per inference = (count(2N) - count(N)) / N, so start-up, loading and the first
#    inference cancel out; instructions per MAC with our engine's MAC count of the network.
#
# ONNX Runtime's cpuinfo parses /proc/cpuinfo, which qemu-user 7.2 passes through from the x86 host,
# and crashes on it; the ORT runs therefore see a Cortex-A72/A76 /proc/cpuinfo bind-mounted in a
# private mount namespace (unshare -m, needs root). ISA features come from AT_HWCAP, which qemu sets
# from -cpu. Counts are deterministic (not timings), so one run per point is enough.
#
# Usage: tools/qemu-insn/run.sh [--models "resnet18 nanodet fcos"] [--bits "8 4 3 2"] [--cpus "cortex-a72 cortex-a76"] [--n N] [--no-float]
# (--no-float skips ONNX Runtime float, the slowest runs under qemu; --skip-export reuses artifacts/insn/models.)
# Writes results/insn-latest.md (and results/insn-<UTC time>.md). Environment: AQD_ARM64_ROOT
# (qemu -L library root; default artifacts/cache/arm64root, else /usr/aarch64-linux-gnu).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
models="resnet18 nanodet fcos"; bits="8 4 3 2"; cpus="cortex-a72 cortex-a76"; n=1; float=1; skip_export=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) models="$2"; shift 2;;
    --bits) bits="$2"; shift 2;;
    --cpus) cpus="$2"; shift 2;;
    --n) n="$2"; shift 2;;
    --no-float) float=0; shift;;
    --skip-export) skip_export=1; shift;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
work="$repo/artifacts/insn"
mkdir -p "$work" results
root="${AQD_ARM64_ROOT:-$repo/artifacts/cache/arm64root}"
[[ -d "$root" ]] || root=/usr/aarch64-linux-gnu
command -v qemu-aarch64 >/dev/null || { echo "qemu-aarch64 (package qemu-user) is needed: apt-get install qemu-user" >&2; exit 1; }

plugin="$(bash tools/qemu-insn/build.sh "$work/plugin" | tail -1)"
echo "plugin: $plugin"
if [[ ! -x "$work/runner/aqd-insn-run" || -n "${AQD_INSN_REPUBLISH:-}" ]]; then
  dotnet publish tools/qemu-insn/runner -c Release -r linux-arm64 -p:PublishAot=true -o "$work/runner" >"$work/publish.log" 2>&1 \
    || { tail -30 "$work/publish.log" >&2; exit 1; }
fi
runner="$work/runner/aqd-insn-run"
# shellcheck disable=SC2086
[[ "$skip_export" == 1 ]] || dotnet run -c Release --project tools/bench -- models --models $models --bits $bits --threads 1 --no-timing \
  --export "$work/models" | tee "$work/export.log"

# Fake /proc/cpuinfo per CPU model (for ONNX Runtime's cpuinfo library).
cpuinfo() {  # part features
  for p in 0 1; do
    printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: %s\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: %s\nCPU revision\t: 3\n\n' "$p" "$2" "$1"
  done
}
cpuinfo 0xd08 "fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid" >"$work/cpuinfo-cortex-a72"
cpuinfo 0xd0b "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp" >"$work/cpuinfo-cortex-a76"

# count CPU ENGINE MODEL ITERATIONS -> prints the instruction count
count() {
  local out="$work/count.$$"
  rm -f "$out"
  unshare -m sh -c "mount --bind '$work/cpuinfo-$1' /proc/cpuinfo && exec qemu-aarch64 -cpu '$1' -L '$root' -plugin '$plugin,out=$out' '$runner' '$2' '$3' '$4'" \
    >"$work/last-run.$$.log" 2>&1 || { echo "run failed: $*" >&2; tail -5 "$work/last-run.$$.log" >&2; echo fail; return 0; }
  cat "$out"
}

stamp="$(date -u +%Y%m%d-%H%M%S)"
table="$work/insn-$stamp.md"
{
  echo "## ARM64 instructions per inference (qemu $(qemu-aarch64 --version | head -1 | awk '{print $3}') TCG plugin, $(date -u '+%Y-%m-%d %H:%M') UTC)"
  echo
  echo "- command: \`tools/qemu-insn/run.sh --models \"$models\" --bits \"$bits\" --cpus \"$cpus\" --n $n$([[ $float == 0 ]] && echo " --no-float")\`"
  echo "- per inference = (count(2N) - count(N)) / N with N = $n, 1 thread; runner: NativeAOT linux-arm64 ($runner); ONNX Runtime $(basename "$(ls -d ~/.nuget/packages/microsoft.ml.onnxruntime/*/ | tail -1)") linux-arm64"
  echo "- MACs: our engine's count for the network (conv + depthwise); vs ORT int8 = instructions / ORT int8 instructions on the same CPU; vs our int8 = instructions / our 8-bit instructions"
  echo
  echo "| model | cpu | engine | variant | instructions / inference | instructions / MAC | vs ORT int8 | vs our int8 |"
  echo "|---|---|---|---|---:|---:|---:|---:|"
} >"$table"

for cpu in $cpus; do
  for m in $models; do
    case "$m" in resnet18) name=resnet18-224;; nanodet) name=nanodet-g-416;; fcos) name=fcos-r18-320;; *) name="$m";; esac
    if [[ ! -f "$work/models/$name-float.onnx" ]]; then echo "| $name | $cpu | - | - | skipped: model not available (see $work/export.log) | | | |" >>"$table"; continue; fi
    declare -A per=()
    macs=0
    variants=()
    for b in $bits; do
      if [[ -f "$work/models/$name-M${b}F8L8.aqd" ]]; then variants+=("aqd:$work/models/$name-M${b}F8L8.aqd:M${b}F8L8"); fi
    done
    if [[ -f "$work/models/$name-int8-qdq.onnx" ]]; then variants+=("ort:$work/models/$name-int8-qdq.onnx:int8 QDQ"); fi
    if [[ "$float" == 1 ]]; then variants+=("ort:$work/models/$name-float.onnx:float"); fi
    for v in "${variants[@]}"; do
      IFS=: read -r engine file label <<<"$v"
      c1="$(count "$cpu" "$engine" "$file" "$n")"
      c2="$(count "$cpu" "$engine" "$file" "$((2 * n))")"
      if [[ "$c1" == fail || "$c2" == fail ]]; then per["$label"]=fail; echo "$name $cpu $engine $label: failed"; continue; fi
      per["$label"]=$(( (c2 - c1) / n ))
      if [[ "$engine" == aqd && "$macs" == 0 ]]; then macs="$(grep -o 'macs=[0-9]*' "$work/last-run.$$.log" | cut -d= -f2)"; fi
      echo "$name $cpu $engine $label: $c1 ($n) $c2 ($((2 * n))) -> ${per[$label]} per inference"
    done
    for v in "${variants[@]}"; do
      IFS=: read -r engine file label <<<"$v"
      x="${per[$label]}"
      if [[ "$x" == fail ]]; then echo "| $name | $cpu | $engine | $label | failed (see $work/last-run.$$.log) | | | |" >>"$table"; continue; fi
      ipm=$(awk -v a="$x" -v b="$macs" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
      vo=$(awk -v a="$x" -v b="${per["int8 QDQ"]:-}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
      v8=$(awk -v a="$x" -v b="${per[M8F8L8]:-}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
      printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$cpu" "$([[ $engine == aqd ]] && echo aqd || echo onnxruntime)" "$label" \
        "$(printf "%'d" "$x" 2>/dev/null || echo "$x")" "$ipm" "$vo" "$v8" >>"$table"
    done
    unset per
  done
done
cp "$table" "results/insn-$stamp.md"
cp "$table" results/insn-latest.md
cat results/insn-latest.md
