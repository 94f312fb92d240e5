# SPDX-License-Identifier: GPL-2.0
# Sourced: which Debian kernel a flavour means, and getting its image.

# procsnap_kernel_release FLAVOUR: the release the Debian meta package of
# FLAVOUR (generic or rt) depends on, e.g. 6.1.0-57-amd64.  PROCSNAP_KREL
# overrides it, for testing another installed kernel.
procsnap_kernel_release() {
	local meta rel
	if [ -n "${PROCSNAP_KREL:-}" ]; then
		echo "$PROCSNAP_KREL"
		return
	fi
	case "$1" in
	generic) meta=linux-image-amd64 ;;
	rt) meta=linux-image-rt-amd64 ;;
	*) echo "unknown kernel flavour '$1' (generic or rt)" >&2; return 1 ;;
	esac
	rel=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-//p' | head -n1)
	if [ -z "$rel" ]; then
		echo "cannot tell which kernel $meta means: run apt-get update" >&2
		return 1
	fi
	echo "$rel"
}

# procsnap_fetch_kernel RELEASE CACHEDIR: download and unpack Debian's
# linux-image-RELEASE into CACHEDIR/root (once), print that root.
procsnap_fetch_kernel() {
	local rel=$1 cache=$2 deb
	if [ ! -f "$cache/root/boot/vmlinuz-$rel" ]; then
		mkdir -p "$cache"
		rm -rf "$cache/root" "$cache"/*.deb
		(cd "$cache" && apt-get download -q "linux-image-$rel") >&2
		deb=$(ls "$cache"/linux-image-"$rel"_*.deb)
		dpkg -x "$deb" "$cache/root"
		rm -f "$deb"
	fi
	echo "$cache/root"
}
