#!/bin/sh
# Who calls gfs2_glock_dq / gfs2_glock_nq in the Debian gfs2.ko builds the
# VM matrix boots (review item R8: a release inlined into a caller would be
# invisible to a probe on gfs2_glock_dq). Reads the matrix's kernel cache
# (tests/vm/vmrun --prepare fills it); writes only under WORKDIR.
# Usage: tests/vm/gfs2-calls/check.sh [WORKDIR]   (docs/design.md shows a run)
set -e
here=$(cd "$(dirname "$0")" && pwd)
debs=${XDG_CACHE_HOME:-$HOME/.cache}/faultlock-vm/debs
work=${1:-$(mktemp -d /tmp/gfs2-calls.XXXXXX)}
mkdir -p "$work/ko"
cd "$work"
for d in "$debs"/linux-image-*.deb; do
	[ -e "$d" ] || { echo "no kernel packages in $debs: run tests/vm/vmrun --prepare first" >&2; exit 2; }
	n=$(basename "$d" .deb)
	v=$(echo "$n" | sed -E 's/^linux-image-([0-9]+\.[0-9]+).*/\1/')
	mkdir -p "$n"
	dpkg-deb --fsys-tarfile "$d" | tar -x -C "$n" --wildcards '*fs/gfs2/gfs2.ko*'
	ko=$(find "$n" -name 'gfs2.ko*' | head -1)
	case $ko in
	*.xz) xz -dc "$ko" >"ko/gfs2-$v.ko" ;;
	*) cp "$ko" "ko/gfs2-$v.ko" ;;
	esac
	echo "################ $v ($n)"
	objdump -dr --no-show-raw-insn "ko/gfs2-$v.ko" >"dis-$v.txt"
	nm "ko/gfs2-$v.ko" | grep -E ' (__gfs2_glock_dq|gfs2_glock_(n|d)q.*|demote_incompat_holders|nq_m_sync|gfs2_glock_async_wait)$' || true
	python3 "$here/callers.py" "dis-$v.txt" "ko/gfs2-$v.ko" gfs2_glock_dq gfs2_glock_nq __gfs2_glock_dq demote_incompat_holders
	echo "--- bodies that fire gfs2_glock_queue (any inlined dequeue would be one):"
	python3 "$here/owner.py" "dis-$v.txt" '__SCT__tp_func_gfs2_glock_queue'
	readelf -rW "ko/gfs2-$v.ko" | awk '/^Relocation section/{s=$3} s ~ /__jump_table/ && /__tracepoint_gfs2_glock_queue/' | wc -l
done
