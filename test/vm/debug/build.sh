#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) procsnap's debug kernel and print the directory it is cached
# in: build/cache/debug-FLAVOUR-HASH/obj, an out-of-tree O= build dir that
# holds arch/x86/boot/bzImage and all that `make M=` needs for procsnap.ko.
# HASH covers the config fragments and the kernel source package version,
# so a changed fragment or a new linux-source builds afresh; otherwise a
# finished build (its .done stamp) is reused as it is.
#
#   generic  Debian's linux-source-6.1 + debug.config + patches-6.1/
#   rt       linux-source-6.12 (bookworm-security) + debug.config + rt.config
#            + patches-6.12/: PREEMPT_RT is mainline since 6.12, while
#            Debian's 6.1 source has no RT patch and the apt mirror serves no
#            source packages.
#
# usage: test/vm/debug/build.sh [--config-only] [generic|rt]
#   --config-only  only make and check the .config, in a scratch dir
#   JOBS=N     parallel jobs (default: the number of CPUs)
#   NICE=N     niceness of the compile (default 10: the machine stays usable)
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
top=$(cd "$here/../../.." && pwd)
config_only=0
if [ "${1:-}" = --config-only ]; then
	config_only=1
	shift
fi
flavour=${1:-generic}

case "$flavour" in
generic) pkg=linux-source-6.1 fragments=("$here/debug.config") patches=("$here"/patches-6.1/*.patch) ;;
rt) pkg=linux-source-6.12 fragments=("$here/debug.config" "$here/rt.config") patches=("$here"/patches-6.12/*.patch) ;;
*) echo "build.sh: unknown flavour '$flavour' (generic or rt)" >&2; exit 2 ;;
esac
src=/usr/src/$pkg

say() { echo "debug-kernel($flavour): $*" >&2; }

"$here/deps.sh" "$flavour" >&2

# The package ships a tarball; unpack it once, next to it, never into it.
if [ ! -f "$src/Makefile" ]; then
	say "unpacking /usr/src/$pkg.tar.xz"
	tar -C /usr/src -xaf "/usr/src/$pkg.tar.xz"
fi

# Fixes to the test kernel itself (never to what users run; each patch says
# why), applied once to the unpacked tree: a patch that reverses cleanly is
# in already.
for p in "${patches[@]}"; do
	if ! patch -s -d "$src" -p1 -R --dry-run -f <"$p" >/dev/null 2>&1; then
		say "applying ${p##*/}"
		patch -s -d "$src" -p1 -f <"$p" >&2
	fi
done

version=$(dpkg-query -W -f='${Version}' "$pkg")
hash=$( { echo "$pkg $version"; cat "${fragments[@]}" "${patches[@]}"; } |
	sha256sum | cut -c1-12)
cache=$top/build/cache/debug-$flavour-$hash
obj=$cache/obj

if [ "$config_only" = 1 ]; then
	cache=$(mktemp -d)
	obj=$cache/obj
	trap 'rm -rf "$cache"' EXIT
else
	# One build per cache dir: a second run waits, then finds it done.
	mkdir -p "$top/build/cache"
	exec 9>"$cache.lock"
	flock 9
	if [ -f "$cache/.done" ] && [ -f "$obj/arch/x86/boot/bzImage" ]; then
		echo "$obj"
		exit 0
	fi
	# The hash names the config, so an interrupted build of it is resumed:
	# make redoes what it had not finished.  Anything else starts afresh.
	[ -f "$cache/.configured" ] || rm -rf "$cache"
fi

# Make $obj/.config from defconfig + the fragments and check that it holds.
configure() {
	mkdir -p "$obj"
	say "configuring $pkg $version in $obj"
	make -s -C "$src" O="$obj" x86_64_defconfig >&2
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"${fragments[@]}" >"$cache/merge.log" 2>&1
	make -s -C "$src" O="$obj" olddefconfig >&2

	# Kconfig drops what it cannot satisfy without a word: every option the
	# fragments ask for (the last fragment to name it wins) must have survived,
	# or the kernel is not what we asked for.
	declare -A want=()
	order=()
	while read -r line; do
		case "$line" in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set") sym=${line#"# "} sym=${sym%% *} line= ;;
		*) continue ;;
		esac
		[ -n "${want[$sym]+set}" ] || order+=("$sym")
		want[$sym]=$line
	done < <(cat "${fragments[@]}")
	bad=0
	for sym in "${order[@]}"; do
		got=$(grep -E "^$sym=|^# $sym is not set" "$obj/.config" || true)
		if [ -n "${want[$sym]}" ]; then
			[ "$got" = "${want[$sym]}" ] && continue
		else
			case "$got" in ""|"# $sym is not set") continue ;; esac
		fi
		say "config: wanted '${want[$sym]:-$sym off}', got '${got:-nothing}'"
		bad=1
	done
	if [ "$bad" = 1 ]; then
		say "the config fragment does not hold; see $cache/merge.log"
		exit 2
	fi
	if [ "$config_only" = 1 ]; then
		say "config holds every option of: ${fragments[*]##*/}"
		exit 0
	fi
	touch "$cache/.configured"
}

if [ -f "$cache/.configured" ]; then
	say "resuming the build in $obj"
else
	configure
fi

jobs=${JOBS:-$(nproc)}
say "building with -j$jobs at nice ${NICE:-10} (log: $cache/build.log)"
t0=$(date +%s)
if ! nice -n "${NICE:-10}" make -C "$src" O="$obj" -j"$jobs" all \
	>"$cache/build.log" 2>&1; then
	tail -n 40 "$cache/build.log" >&2
	say "kernel build failed"
	exit 2
fi
t1=$(date +%s)
rel=$(cat "$obj/include/config/kernel.release")
printf 'release=%s\nsource=%s %s\nbuild_seconds=%s\njobs=%s\n' \
	"$rel" "$pkg" "$version" $((t1 - t0)) "$jobs" >"$cache/.done"
say "built $rel in $((t1 - t0)) s"
echo "$obj"
