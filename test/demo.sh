#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: install what is needed, boot Debian's kernel in QEMU with
# procsnap, and show what a user sees on a real host.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
"$top/test/deps.sh" "${1:-generic}"
flavour_args=()
[ "${1:-}" = rt ] && flavour_args=(--rt)
exec "$top/test/vm/run.sh" "${flavour_args[@]}" --tests demo --show
