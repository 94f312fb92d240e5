#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Evidence collection (snapctl collect and snapshot, doc/evidence-format.md):
# the segment images are the clone's memory, one instant of the target
# (snaptarget's seq/pos model, 100 MB and 4 MB writers), and a second
# collection 20 s later is byte-identical; every hash in the manifest
# recomputes; a sparse target's images cost its resident size, not its
# mapped size; collecting does not cost memory; the tar stream holds the
# same files; the ELF core has every thread (4), its registers and memory;
# an in-memory payload (memfd, anonymous RWX) is in the index and images;
# unreadable segments are recorded, not fatal; --rate throttles; the
# one-shot snapshot leaves no clone.  test/host/20-collect.sh checks what
# this leaves in /out with GNU tar and gdb.
. /tests/lib.sh
. /tests/snaplib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots
if ! snapctl help collect >/dev/null 2>&1; then
	fail "snapctl has a collect subcommand"
	rmmod procsnap
	exit 1
fi
rm -rf /out/ev4 /out/ev4.tar /out/ev4.clone /out/core4 /out/core4.expected

# secs CS: hundredths of a second as seconds.
secs() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }

# timed OUTFILE CMD...: run CMD, stdout to OUTFILE, stderr to /tmp/timed.err;
# sets TRC (exit status) and TCS (hundredths of a second it took).
timed() {
	_o=$1
	shift
	_t0=$(now_cs)
	"$@" >"$_o" 2>/tmp/timed.err
	TRC=$?
	TCS=$(($(now_cs) - _t0))
}

# ran NAME: pass or fail NAME on the last timed command's exit status.
ran() {
	if [ "$TRC" = 0 ]; then
		pass "$1 ($(secs "$TCS") s)"
		return 0
	fi
	fail "$1 (exit $TRC)"
	sed 's/^/    /' /tmp/timed.err
	return 1
}

# jget FLATFILE PATH: a value from `evcheck json` output.
jget() { sed -n "s/^$(echo "$2" | sed 's/\./\\./g')=//p" "$1"; }

# seg_of MAPSFILE ADDR: "START-END" (as written there) of the mapping that
# holds ADDR.
seg_of() {
	_a=$(($2))
	while read -r _r _rest; do
		_s=${_r%-*}
		_e=${_r#*-}
		if [ $((0x$_s)) -le "$_a" ] && [ "$_a" -lt $((0x$_e)) ]; then
			echo "$_r"
			return 0
		fi
	done <"$1"
	return 1
}

# seg_index MAPSFILE START-END: the mapping's 0-based index.
seg_index() {
	_l=$(grep -n "^$2 " "$1" | head -n 1 | cut -d: -f1)
	[ -n "$_l" ] && echo $((_l - 1))
}

# virt_bytes MAPSFILE: the sum of the mappings' sizes.
virt_bytes() {
	_v=0
	while read -r _r _rest; do
		_v=$((_v + 0x${_r#*-} - 0x${_r%-*}))
	done <"$1"
	echo "$_v"
}

# same_index DIR CLONE LABEL: index.txt is the clone's maps byte for byte.
same_index() {
	cat "/proc/$2/maps" >/tmp/maps.now
	if cmp "$1/index.txt" /tmp/maps.now >/tmp/cmp.out 2>&1; then
		pass "$3: index.txt is /proc/$2/maps byte for byte ($(wc -l <"$1/index.txt") mappings)"
	else
		fail "$3: index.txt differs from /proc/$2/maps"
		diff "$1/index.txt" /tmp/maps.now | head -n 10 | sed 's/^/    /'
	fi
}

# check_sums DIR LABEL: every segment image hashes (sha256sum) to the
# manifest's sha256, root_sha256 is sha256sum of those hashes one per line,
# the core's hash too.
check_sums() {
	if ! evcheck json "$1/manifest.json" >/tmp/sums.flat 2>&1; then
		fail "$2: manifest.json parses"
		sed 's/^/    /' /tmp/sums.flat
		return 1
	fi
	awk -F= '
	/^segments\.[0-9]+\.(file|sha256)=/ {
		split($1, p, ".")
		v = substr($0, length($1) + 2)
		if (p[3] == "file")
			f[p[2]] = v
		else
			h[p[2]] = v
		if (p[2] + 1 > n)
			n = p[2] + 1
	}
	END { for (i = 0; i < n; i++) print h[i] "  " f[i] }' \
		/tmp/sums.flat >/tmp/sums.txt
	_n=$(wc -l </tmp/sums.txt)
	if [ "$_n" -gt 0 ] && [ "$_n" = "$(wc -l <"$1/index.txt")" ] &&
		(cd "$1" && sha256sum -c /tmp/sums.txt) >/tmp/sums.out 2>&1; then
		pass "$2: sha256sum of each of the $_n segment images is the manifest's"
	else
		fail "$2: segment images against the manifest's sha256 ($_n listed)"
		grep -v ': OK$' /tmp/sums.out | head -n 10 | sed 's/^/    /'
	fi
	_root=$(jget /tmp/sums.flat root_sha256)
	_got=$(cut -d' ' -f1 /tmp/sums.txt | sha256sum | cut -d' ' -f1)
	if [ "$_root" = "$_got" ]; then
		pass "$2: root_sha256 is sha256sum of the segment hashes, one per line"
	else
		fail "$2: root_sha256 '$_root', recomputed '$_got'"
	fi
	if [ -f "$1/core" ]; then
		_want=$(jget /tmp/sums.flat core.sha256)
		_got=$(sha256sum "$1/core" | cut -d' ' -f1)
		if [ "$_want" = "$_got" ]; then
			pass "$2: sha256sum of the core is the manifest's"
		else
			fail "$2: core.sha256 '$_want', sha256sum '$_got'"
		fi
	fi
}

# check_json JSONOUT CLONE DIR LABEL [paper]: snapctl collect --json's
# object; with paper, bytes_written is the segments' sum.
check_json() {
	if ! evcheck json "$1" >/tmp/cj.flat 2>&1; then
		fail "$4: --json prints one JSON object"
		sed 's/^/    /' "$1" /tmp/cj.flat
		return 1
	fi
	_nseg=$(wc -l <"$3/index.txt")
	_virt=$(virt_bytes "$3/index.txt")
	_bw=$(jget /tmp/cj.flat bytes_written)
	_sum=$(evcheck json "$3/manifest.json" |
		sed -n 's/^segments\.[0-9]*\.bytes_written=//p' |
		awk '{ s += $1 } END { printf "%.0f\n", s }')
	if [ "$(jget /tmp/cj.flat clone)" = "$2" ] &&
		[ "$(jget /tmp/cj.flat dir)" = "$3" ] &&
		[ "$(jget /tmp/cj.flat segments)" = "$_nseg" ] &&
		[ "$(jget /tmp/cj.flat bytes_virtual)" = "$_virt" ] &&
		[ -n "$_bw" ] && [ -n "$(jget /tmp/cj.flat seconds)" ] &&
		{ [ "$5" != paper ] || [ "$_bw" = "$_sum" ]; }; then
		pass "$4: --json: clone, dir, $_nseg segments, bytes_written $_bw, bytes_virtual $_virt, seconds $(jget /tmp/cj.flat seconds)"
	else
		fail "$4: --json fields (want clone $2, dir $3, segments $_nseg, bytes_virtual $_virt, bytes_written = segments' $_sum)"
		sed 's/^/    /' "$1"
	fi
}

# check_unreadable DIR LABEL: [vvar] and [vsyscall] (where mapped) are
# recorded unreadable with an errno name and an all-hole image, and the
# collection went on past them: the [vdso] image holds the vDSO (an ELF).
check_unreadable() {
	evcheck json "$1/manifest.json" >/tmp/ur.flat
	for _n in '[vvar]' '[vvar_vclock]' '[vsyscall]'; do
		_r=$(grep -F " $_n" "$1/index.txt" | head -n 1 | cut -d' ' -f1)
		if [ -z "$_r" ]; then
			[ "$_n" = '[vvar]' ] &&
				fail "$2: no [vvar] in index.txt"
			[ "$_n" = '[vsyscall]' ] &&
				echo "INFO: $2: no [vsyscall] mapping (this kernel has vsyscall=none)"
			continue
		fi
		_i=$(seg_index "$1/index.txt" "$_r")
		_st=$(jget /tmp/ur.flat "segments.$_i.status")
		_er=$(jget /tmp/ur.flat "segments.$_i.error")
		_bl=$(stat -c %b "$1/segments/$_r.img" 2>/dev/null)
		if [ "$_st" = unreadable ] && [ -n "$_er" ] &&
			[ "$_er" != null ] && [ "$_bl" = 0 ]; then
			pass "$2: $_n recorded unreadable ($_er), its image all hole"
		else
			fail "$2: $_n: status '$_st', error '$_er', image blocks '$_bl'"
		fi
	done
	_r=$(grep -F ' [vdso]' "$1/index.txt" | cut -d' ' -f1)
	if [ -n "$_r" ]; then
		_m=$(head -c 4 "$1/segments/$_r.img" | od -An -tx1 | tr -d ' \n')
		if [ "$_m" = 7f454c46 ]; then
			pass "$2: the collection went on: the [vdso] image holds the vDSO"
		else
			fail "$2: the [vdso] image does not start with an ELF header ($_m)"
		fi
	fi
}

gen_moved() { [ "$(tstat core4 gen)" != "$1" ]; }
memavail() { sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' /proc/meminfo; }
rss_kb() { sed -n 's/^Rss: *\([0-9]*\) kB$/\1/p' "/proc/$1/smaps_rollup"; }

# --- a 100 MB writer: identity, memory, a second collection 20 s later ---------
# --format paper: the core of 100 MB would double the time and /tmp space;
# the core is checked on the 4 MB and 4-thread targets below.
if start_target big --size 100M --main write; then
	big=$TP
	if req "$big"; then
		c=$C
		pass "a 100 MB writer is snapshotted (clone $c)"
		s0=$(tstat big seq "$c")
		timed /tmp/ev1.json snapctl collect "$c" -o /tmp/ev1 \
			--format paper --json
		t1=$(now_cs)
		if ran "100 MB: snapctl collect -o DIR"; then
			echo "INFO: 100 MB: collected in $(secs "$TCS") s"
			same_index /tmp/ev1 "$c" "100 MB"
			snapcheck consistent /tmp/ev1 /tmp/big.info
			snapcheck same "$c" /tmp/ev1
			check_json /tmp/ev1.json "$c" /tmp/ev1 "100 MB" paper
			evcheck manifest /tmp/ev1 --format paper --clone "$c" \
				--target "$big" --threads 1 --ioctl
			check_sums /tmp/ev1 "100 MB"
		fi
		check "100 MB: the target wrote on during the collection (seq past $((s0 + 1)))" \
			seq_above big $((s0 + 1))

		# Memory: collecting costs a few MiB of buffers, not the bytes
		# it reads.  The target has rewritten its buffer since the
		# snapshot (copy-on-write done), and the stream goes to
		# /dev/null (a directory in /tmp would be tmpfs memory).
		poll 60 seq_above big $((s0 + 2))
		bw=$(evcheck get /tmp/ev1.json bytes_written 2>/dev/null)
		m0=$(memavail)
		r0=$(rss_kb "$c")
		rt0=$(rss_kb "$big")
		min=$m0
		rm -f /tmp/mem.rc
		(
			snapctl collect "$c" -o - --format paper >/dev/null \
				2>/tmp/mem.err
			echo $? >/tmp/mem.rc
		) &
		mp=$!
		while [ ! -f /tmp/mem.rc ]; do
			m=$(memavail)
			[ "$m" -lt "$min" ] && min=$m
			sleep 0.2
		done
		wait "$mp"
		r1=$(rss_kb "$c")
		rt1=$(rss_kb "$big")
		drop=$((m0 - min))
		echo "INFO: 100 MB: MemAvailable $m0 kB before, lowest $min kB during a collection to /dev/null (drop $drop kB, bytes read ${bw:-?}); clone Rss $r0 -> $r1 kB, target Rss $rt0 -> $rt1 kB"
		if [ "$(cat /tmp/mem.rc)" != 0 ]; then
			fail "100 MB: collect -o - to /dev/null (exit $(cat /tmp/mem.rc))"
			sed 's/^/    /' /tmp/mem.err
		elif [ -n "$bw" ] && [ "$bw" -gt 0 ] &&
			[ $((drop * 1024)) -lt $((bw / 4)) ] &&
			[ $((r1 - r0)) -lt 8192 ]; then
			pass "100 MB: collecting cost $drop kB of MemAvailable (< 1/4 of the $((bw >> 20)) MiB read), clone Rss +$((r1 - r0)) kB"
		else
			fail "100 MB: collecting cost $drop kB of MemAvailable for $bw bytes read, clone Rss +$((r1 - r0)) kB"
		fi

		# 20 s after the first (the issue says 60 s: 20 keeps the run short).
		wait_cs=$((t1 + 2000 - $(now_cs)))
		[ "$wait_cs" -gt 0 ] && sleep "$(secs "$wait_cs")"
		timed /tmp/ev2.json snapctl collect "$c" -o /tmp/ev2 \
			--format paper
		if ran "100 MB: a second collection 20 s later" &&
			[ -f /tmp/ev1/index.txt ]; then
			bad=""
			for f in /tmp/ev1/index.txt /tmp/ev1/segments/*; do
				cmp "$f" "/tmp/ev2/${f#/tmp/ev1/}" >/dev/null 2>&1 ||
					bad="$bad ${f#/tmp/ev1/}"
			done
			n1=$(find /tmp/ev1 -type f | wc -l)
			n2=$(find /tmp/ev2 -type f | wc -l)
			r1=$(evcheck get /tmp/ev1/manifest.json root_sha256)
			r2=$(evcheck get /tmp/ev2/manifest.json root_sha256)
			if [ -z "$bad" ] && [ "$n1" = "$n2" ] && [ "$r1" = "$r2" ]; then
				pass "100 MB: the second collection is byte-identical ($n2 files, root_sha256 $r2)"
			else
				fail "100 MB: the second collection differs:$bad (files $n1/$n2, root $r1/$r2)"
			fi
		fi
		rm -rf /tmp/ev1 /tmp/ev2
		check_rc "100 MB: snapctl delete" 0 snapctl delete "$c"
	else
		fail "snapctl request of a 100 MB writer (exit $RC)"
	fi
	kill -9 "$big"
	wait "$big" 2>/dev/null
fi

# --- sparse: 117 MB mapped, 17 MB written --------------------------------------------
if start_target sparse --size 117M --touch 17M --main sleep; then
	sp=$TP
	if req "$sp"; then
		c=$C
		touched=$((17 << 20))
		timed /tmp/evs.json snapctl collect "$c" -o /tmp/evs \
			--format paper --json
		if ran "sparse: snapctl collect of a 117 MB mapping, 17 MB written"; then
			snapcheck consistent /tmp/evs /tmp/sparse.info
			check_json /tmp/evs.json "$c" /tmp/evs sparse paper
			seg=$(seg_of /tmp/evs/index.txt "$(info sparse buf)")
			img=/tmp/evs/segments/$seg.img
			size=$(stat -c %s "$img")
			alloc=$(($(stat -c %b "$img") * $(stat -c %B "$img")))
			du=$(du -k "$img" | cut -f1)
			bw=$(evcheck get /tmp/evs.json bytes_written)
			echo "INFO: sparse: image $seg: size $((size >> 20)) MiB, allocated $((alloc >> 10)) KiB (du -k $du), collection bytes_written $bw, $(secs "$TCS") s (snapctl: $(evcheck get /tmp/evs.json seconds) s)"
			if [ "$size" -ge $((117 << 20)) ] &&
				[ "$alloc" -ge $((touched - (1 << 20))) ] &&
				[ "$alloc" -le $((touched + (8 << 20))) ] &&
				[ "$bw" -ge "$touched" ] &&
				[ "$bw" -le $((touched + (12 << 20))) ]; then
				pass "sparse: the image is $((size >> 20)) MiB with $((alloc >> 20)) MiB allocated, $((bw >> 20)) MiB written: about the resident 17 MiB"
			else
				fail "sparse: image size $size allocated $alloc bytes, bytes_written $bw; want about 17 MiB allocated and written"
			fi
			timed /tmp/evs.tar.size sh -c \
				"set -o pipefail; snapctl collect $c -o - --format paper | wc -c"
			ts=$(cat /tmp/evs.tar.size)
			if [ "$TRC" = 0 ] && [ "$ts" -lt $((touched + (16 << 20))) ]; then
				pass "sparse: the tar stream is $((ts >> 20)) MiB (holes not written)"
			else
				fail "sparse: the tar stream is $ts bytes (exit $TRC)"
				sed 's/^/    /' /tmp/timed.err
			fi
		fi
		timed /dev/null snapctl collect "$c" -o /tmp/evsc --format core
		if ran "sparse: snapctl collect --format core"; then
			cs=$(stat -c %s /tmp/evsc/core)
			ca=$(($(stat -c %b /tmp/evsc/core) * $(stat -c %B /tmp/evsc/core)))
			if [ "$cs" -gt $((117 << 20)) ] &&
				[ "$ca" -lt $((touched + (16 << 20))) ]; then
				pass "sparse: the core is $((cs >> 20)) MiB with $((ca >> 20)) MiB allocated (holes)"
			else
				fail "sparse: the core is $cs bytes with $ca allocated"
			fi
			snapcheck consistent /tmp/evsc/core /tmp/sparse.info
		fi
		rm -rf /tmp/evsc
		# Last: reading the clone's unwritten pages through /proc/PID/mem
		# maps the zero page there, which pagemap then calls present.
		[ -d /tmp/evs ] && snapcheck same "$c" /tmp/evs
		rm -rf /tmp/evs
		snapctl delete "$c" >/dev/null
	else
		fail "snapctl request of the sparse target (exit $RC)"
	fi
	kill -9 "$sp"
	wait "$sp" 2>/dev/null
fi

# --- 4 MB writer: both formats, stream, unreadable segments, --rate, --no-hash ---
if start_target small --size 4M --main write; then
	small=$TP
	if req "$small"; then
		c=$C
		echo "$c" >/out/ev4.clone
		timed /tmp/ev4.json snapctl collect "$c" -o /out/ev4 --json
		ev4_rc=$TRC ev4_cs=$TCS
		cp /tmp/timed.err /tmp/ev4.err
		# The stream right away: reading the clone through /proc/PID/mem
		# (snapcheck same) maps the zero page at its unwritten addresses,
		# which would change bytes_written between the two.
		timed /out/ev4.tar snapctl collect "$c" -o -
		if ran "4 MB: snapctl collect -o - (tar stream)"; then
			if tar tf /out/ev4.tar >/tmp/tar.list 2>/tmp/tar.err; then
				# busybox tar knows no pax sparse entries: it lists
				# them under GNUSparseFile.0/; GNU tar (host) restores
				{
					echo index.txt
					echo manifest.json
					echo core
					cut -d' ' -f1 /out/ev4/index.txt |
						sed 's,^,segments/,; s,$,.img,'
				} | sed "s,^,procsnap-$c/," | sort >/tmp/tar.want
				grep -v '/$' /tmp/tar.list |
					sed 's,/GNUSparseFile\.[0-9]*/,/,' |
					sort >/tmp/tar.got
				if cmp /tmp/tar.want /tmp/tar.got >/dev/null; then
					pass "4 MB: tar t lists procsnap-$c/ index.txt, manifest.json, core and the $(grep -c segments/ /tmp/tar.got) segment images"
				else
					fail "4 MB: the tar stream's names"
					diff /tmp/tar.want /tmp/tar.got | head -n 20 |
						sed 's/^/    /'
				fi
			else
				fail "4 MB: tar t of the stream"
				sed 's/^/    /' /tmp/tar.err
			fi
		fi

		TRC=$ev4_rc TCS=$ev4_cs
		cp /tmp/ev4.err /tmp/timed.err
		if ran "4 MB: snapctl collect -o DIR (paper and core)"; then
			same_index /out/ev4 "$c" "4 MB"
			snapcheck consistent /out/ev4 /tmp/small.info
			snapcheck same "$c" /out/ev4
			snapcheck consistent /out/ev4/core /tmp/small.info
			check_json /tmp/ev4.json "$c" /out/ev4 "4 MB"
			evcheck manifest /out/ev4 --clone "$c" --target "$small" \
				--threads 1 --ioctl
			evcheck core /out/ev4/core /out/ev4/index.txt --threads 1 \
				--clone "$c" --ioctl --dir /out/ev4
			check_sums /out/ev4 "4 MB"
			check_unreadable /out/ev4 "4 MB"
		fi

		timed /tmp/evr.json snapctl collect "$c" -o /tmp/evrate \
			--format paper --rate 1M --json
		if ran "4 MB: snapctl collect --rate 1M"; then
			bw=$(evcheck get /tmp/evr.json bytes_written)
			want=$((bw * 100 / 1048576 - 100))
			[ "$want" -lt 300 ] && want=300
			if [ "$TCS" -ge "$want" ]; then
				pass "4 MB: --rate 1M: $bw bytes took $(secs "$TCS") s (>= $(secs "$want") s)"
			else
				fail "4 MB: --rate 1M: $bw bytes took $(secs "$TCS") s, want >= $(secs "$want") s"
			fi
			mode=$(stat -c %a /tmp/evrate)
			check "4 MB: the output directory is created with mode 0700 (has $mode)" \
				test "$mode" = 700
			bad=""
			for f in /tmp/evrate/index.txt /tmp/evrate/segments/*; do
				cmp "$f" "/out/ev4/${f#/tmp/evrate/}" >/dev/null 2>&1 ||
					bad="$bad ${f#/tmp/evrate/}"
			done
			check "4 MB: a third collection (throttled) has the same images${bad:+: differ:$bad}" \
				test -z "$bad"
		fi
		rm -rf /tmp/evrate

		timed /dev/null snapctl collect "$c" -o /tmp/evnh --no-hash \
			--format paper
		if ran "4 MB: snapctl collect --no-hash"; then
			evcheck manifest /tmp/evnh --no-hash --format paper \
				--clone "$c" --target "$small" --threads 1
		fi
		rm -rf /tmp/evnh

		# Usage and failures.
		h0=$(find /out/ev4 -type f | sort | xargs cat | sha256sum)
		check_rc "collect into a directory that is not empty: exit 2" 2 \
			snapctl collect "$c" -o /out/ev4
		check_out "... says so" "not empty"
		h1=$(find /out/ev4 -type f | sort | xargs cat | sha256sum)
		check "... and leaves its files alone" test "$h0" = "$h1"
		mkdir -p /tmp/evempty
		check_rc "collect into an existing empty directory: exit 0" 0 \
			snapctl collect "$c" -o /tmp/evempty --format paper
		rm -rf /tmp/evempty
		check_rc "collect without -o: exit 1" 1 snapctl collect "$c"
		check_rc "collect --format bogus: exit 1" 1 \
			snapctl collect "$c" -o /tmp/evx --format bogus
		check_rc "collect --rate nonsense: exit 1" 1 \
			snapctl collect "$c" -o /tmp/evx --rate fast
		check_rc "collect of a process that is not a snapshot: exit 6" 6 \
			snapctl collect "$small" -o /tmp/evx
		dead=$(sh -c 'echo $$')
		check_rc "collect of a pid that does not exist: exit 6" 6 \
			snapctl collect "$dead" -o /tmp/evx
		rm -rf /tmp/evx
		snapctl delete "$c" >/dev/null
	else
		fail "snapctl request of a 4 MB writer (exit $RC)"
	fi
	kill -9 "$small"
	wait "$small" 2>/dev/null
fi

# --- the ELF core of a 4-thread target (gdb reads it on the host) ------------------
if start_target core4 --threads 4 --mode sleep --size 4M; then
	t4=$TP
	if req "$t4"; then
		c=$C
		cat "/proc/$c/maps" >/tmp/core4.maps
		gen=$(tstat core4 gen "$c")
		timed /dev/null snapctl collect "$c" --format core -o /out/core4
		if ran "4 threads: snapctl collect --format core"; then
			check "4 threads: --format core writes core and manifest.json, no segment images" \
				sh -c "test -s /out/core4/core && test -s /out/core4/manifest.json && test ! -e /out/core4/segments"
			evcheck manifest /out/core4 --format core \
				--maps /tmp/core4.maps --clone "$c" --target "$t4" \
				--threads 4 --ioctl
			evcheck core /out/core4/core /tmp/core4.maps --threads 4 \
				--clone "$c" --ioctl
			snapcheck consistent /out/core4/core /tmp/core4.info
			g=$(snapcheck stats /out/core4/core /tmp/core4.info |
				tr ' ' '\n' | sed -n 's/^gen=//p')
			check "4 threads: snap_generation in the core ($g) is the clone's at duplication ($gen)" \
				test "$g" = "$gen"
			want=$(evcheck get /out/core4/manifest.json core.sha256)
			got=$(sha256sum /out/core4/core | cut -d' ' -f1)
			check "4 threads: sha256sum of the core is the manifest's" \
				test "$want" = "$got"
			poll 30 gen_moved "$gen"
			later=$(tstat core4 gen)
			check "4 threads: the target's snap_generation has moved on ($gen -> $later)" \
				test "$later" != "$gen"
			printf 'gen=%s\nlater=%s\nthreads=4\nclone=%s\ntarget=%s\n' \
				"$gen" "$later" "$c" "$t4" >/out/core4.expected
		fi
		snapctl delete "$c" >/dev/null
	else
		fail "snapctl request of a 4-thread target (exit $RC)"
	fi
	kill -9 "$t4"
	wait "$t4" 2>/dev/null
fi

# --- in-memory payloads: memfd code, anonymous RWX, run from a memfd ------------------
rm -f /tmp/inmem.info
inmem --info /tmp/inmem.info --fexec >/tmp/inmem.log 2>&1 &
im=$!
PIDS="$PIDS $im"
if poll 30 test -f /tmp/inmem.info; then
	# inmem waits in pause(): --interrupt (pause restarts unseen)
	if req "$im" --interrupt; then
		c=$C
		timed /dev/null snapctl collect "$c" -o /tmp/evm
		if ran "in-memory: snapctl collect"; then
			evcheck manifest /tmp/evm --clone "$c" --target "$im" \
				--threads 1
			check_sums /tmp/evm "in-memory"
			code=$(seg_of /tmp/evm/index.txt "$(info inmem code)")
			rwx=$(seg_of /tmp/evm/index.txt "$(info inmem rwx)")
			if grep -q "^$code r-xs .*/memfd:inmem-code (deleted)$" \
				/tmp/evm/index.txt; then
				pass "in-memory: index.txt lists the executable memfd mapping ($code r-xs /memfd:inmem-code (deleted))"
			else
				fail "in-memory: no r-xs /memfd:inmem-code (deleted) mapping at $code"
				sed 's/^/    /' /tmp/evm/index.txt
			fi
			if grep -q "^$rwx rwxp 00000000 00:00 0 *$" /tmp/evm/index.txt; then
				pass "in-memory: index.txt lists the anonymous RWX mapping ($rwx)"
			else
				fail "in-memory: no anonymous rwxp mapping at $rwx"
			fi
			off=$(evcheck contains "/tmp/evm/segments/$code.img" \
				/tmp/inmem.info.code | head -n 1)
			check "in-memory: the memfd image holds the code payload at offset 0 ($off)" \
				test "$off" = offset=0
			off=$(evcheck contains "/tmp/evm/segments/$rwx.img" \
				/tmp/inmem.info.rwx | head -n 1)
			check "in-memory: the RWX image holds the 64-byte payload at offset $(info inmem rwx_off) ($off)" \
				test "$off" = "offset=$(info inmem rwx_off)"
			check "in-memory: the core holds both payloads" sh -c \
				"evcheck contains /tmp/evm/core /tmp/inmem.info.code && evcheck contains /tmp/evm/core /tmp/inmem.info.rwx"
			evcheck json /tmp/evm/manifest.json >/tmp/evm.flat
			i=$(seg_index /tmp/evm/index.txt "$code")
			check "in-memory: the memfd segment is live (shared)" \
				test "$(jget /tmp/evm.flat "segments.$i.status")" = live
			exe=$(jget /tmp/evm.flat target.exe)
			esha=$(jget /tmp/evm.flat target.exe_sha256)
			want=$(sha256sum /usr/bin/inmem | cut -d' ' -f1)
			if [ "$exe" = "/memfd:inmem-exe (deleted)" ] &&
				[ "$esha" = "$want" ]; then
				pass "in-memory: target.exe is $exe, exe_sha256 that of the program ($esha)"
			else
				fail "in-memory: target.exe '$exe' exe_sha256 '$esha', want /memfd:inmem-exe (deleted) and $want"
			fi
			check "in-memory: the open memfd is in the manifest's files" \
				grep -q '^files\.[0-9]*\.path=/memfd:inmem-code (deleted)$' \
				/tmp/evm.flat
		fi
		rm -rf /tmp/evm
		snapctl delete "$c" >/dev/null
	else
		fail "snapctl request of inmem (exit $RC)"
	fi
else
	fail "inmem starts"
	sed 's/^/    /' /tmp/inmem.log
fi
kill -9 "$im" 2>/dev/null
wait "$im" 2>/dev/null

# --- the descriptors at the instant: paths, inodes, positions -------------------------
# Named after the pause (by the snapshot), so each is checked against what
# the target holds: a regular file read up to a known offset, a file in a
# directory with a space, a directory, a pipe and a deleted file.
# fd 9 is on a tmpfs of its own: once the snapshot and the target are gone
# it unmounts, so no reference on a path was left behind.
mkdir -p "/tmp/fd dir" /tmp/fdmnt
mount -t tmpfs fdmnt /tmp/fdmnt
echo "descriptor test" >"/tmp/fd dir/f"
echo gone >/tmp/fd-gone
echo held >/tmp/fdmnt/held
sh -c 'exec 5<"/tmp/fd dir/f" 6</tmp 7</tmp/fd-gone 8<&0 9</tmp/fdmnt/held;
	read -r x <&5; rm /tmp/fd-gone; exec sleep 1000' </dev/zero &
fdt=$!
PIDS="$PIDS $fdt"
if poll 30 sh -c "grep -qx sleep /proc/$fdt/comm && ! test -e /tmp/fd-gone"; then
	timed /dev/null snapctl snapshot "$fdt" -o /tmp/evf --interrupt --timeout 60s
	if ran "descriptors: snapctl snapshot"; then
		evcheck json /tmp/evf/manifest.json >/tmp/evf.flat
		# fd_field FD KEY: KEY of the manifest's entry for descriptor FD
		fd_field() {
			_i=$(sed -n "s/^files\.\([0-9]*\)\.fd=$1\$/\1/p" /tmp/evf.flat)
			[ -n "$_i" ] && jget /tmp/evf.flat "files.$_i.$2"
		}
		for want in "5 /tmp/fd dir/f" "6 /tmp" "7 /tmp/fd-gone (deleted)" \
			"8 /dev/zero" "9 /tmp/fdmnt/held"; do
			fd=${want%% *}
			path=${want#* }
			got=$(fd_field "$fd" path)
			check "descriptors: fd $fd is $path ($got)" test "$got" = "$path"
		done
		check "descriptors: fd 5's inode is the file's" \
			test "$(fd_field 5 ino)" = "$(stat -c %i "/tmp/fd dir/f")"
		check "descriptors: fd 5's position is where the target read to (16)" \
			test "$(fd_field 5 pos)" = 16
		check "descriptors: as many as the target has" \
			test "$(grep -c '^files\.[0-9]*\.fd=' /tmp/evf.flat)" = \
			"$(find "/proc/$fdt/fd/" -mindepth 1 | wc -l)"
	fi
	rm -rf /tmp/evf /tmp/evf.flat
else
	fail "descriptors: the target starts"
fi
kill -9 "$fdt" 2>/dev/null
wait "$fdt" 2>/dev/null
check "descriptors: the target's tmpfs unmounts once target and snapshot are gone" \
	umount /tmp/fdmnt
umount /tmp/fdmnt 2>/dev/null
rm -rf "/tmp/fd dir"

# --- snapctl snapshot: request, collect, delete in one ---------------------------------
if start_target once --size 4M --main write; then
	once=$TP
	timed /dev/null snapctl snapshot "$once" -o /tmp/evo --timeout 120s
	if ran "snapctl snapshot PID -o DIR"; then
		oc=$(evcheck get /tmp/evo/manifest.json snapshot.clone_pid)
		check "snapshot: index.txt, manifest.json, segments/ and core written" \
			sh -c "test -s /tmp/evo/index.txt && test -s /tmp/evo/manifest.json && test -d /tmp/evo/segments && test -s /tmp/evo/core"
		snapcheck consistent /tmp/evo /tmp/once.info
		snapcheck consistent /tmp/evo/core /tmp/once.info
		evcheck manifest /tmp/evo --target "$once" --threads 1
		check_sums /tmp/evo "snapshot"
		check "snapshot: its clone ($oc) is gone" gone "$oc"
		check "snapshot: no clone left on the system" test -z "$(clones)"
		check "snapshot: snapctl list shows none" test "$(nlist)" = 0
		check "snapshot: the target is idle again" state_is "$once" idle
	fi
	rm -rf /tmp/evo
	timed /tmp/evo.tar snapctl snapshot "$once" -o - --format paper \
		--timeout 120s
	if ran "snapctl snapshot PID -o - (tar stream)"; then
		n=$(tar tf /tmp/evo.tar 2>/dev/null | grep -c -e '/manifest.json$' -e '/index.txt$' -e '\.img$')
		check "snapshot -o -: the stream holds index.txt, manifest.json and $((n - 2)) images" \
			test "$n" -gt 2
		check "snapshot -o -: no clone left on the system" test -z "$(clones)"
	fi
	rm -f /tmp/evo.tar
	kill -9 "$once"
	wait "$once" 2>/dev/null
fi

cleanup
check "no clone left on the system" test -z "$(clones)"
check_rc "rmmod procsnap" 0 rmmod procsnap
