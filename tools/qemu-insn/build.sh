#!/usr/bin/env bash
# Builds the instruction-counting qemu TCG plugin: tools/qemu-insn/libinsn_count.so (gcc, no qemu headers needed).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/build}"
mkdir -p "$out"
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -o "$out/libinsn_count.so" "$here/insn_count.c"
echo "$out/libinsn_count.so"
