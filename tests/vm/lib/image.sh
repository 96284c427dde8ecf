# shellcheck shell=bash
# Fresh filesystem images for the guest (one per run, in the run's temp dir).

# flvm_make_image FS SERIES IMG [NODES [LOCKTABLE]] — create IMG with
# filesystem FS that the kernel series SERIES can mount read-write. gfs2 for
# NODES > 1: lock_dlm, lock table LOCKTABLE (cluster:fsname), NODES journals.
flvm_make_image() {
    local fs=$1 series=$2 img=$3 nodes=${4:-1} table=${5:-} log=$3.mkfs.log
    local -a opts=()
    case $fs in
        gfs2)
            command -v mkfs.gfs2 >/dev/null || flvm_die "mkfs.gfs2 missing: apt-get install gfs2-utils"
            truncate -s 256M "$img"
            # 5.10 only knows on-disk format 1801 ("Unknown on-disk format" otherwise).
            [ "$series" = 5.10 ] && opts=(-o format=1801)
            if [ "$nodes" -gt 1 ]; then
                mkfs.gfs2 -O -p lock_dlm -t "$table" -j "$nodes" -J 32 "${opts[@]}" "$img" >"$log" 2>&1
            else
                mkfs.gfs2 -O -p lock_nolock -j 1 "${opts[@]}" "$img" >"$log" 2>&1
            fi
            ;;
        btrfs)
            command -v mkfs.btrfs >/dev/null || flvm_die "mkfs.btrfs missing: apt-get install btrfs-progs"
            truncate -s 256M "$img"
            mkfs.btrfs -q -f "$img" >"$log" 2>&1
            ;;
        xfs)
            command -v mkfs.xfs >/dev/null || flvm_die "mkfs.xfs missing: apt-get install xfsprogs"
            # xfsprogs >= 5.19 refuses filesystems smaller than 300 MB.
            truncate -s 512M "$img"
            # bigtime and inobtcount (xfsprogs 6.x defaults) are EXPERIMENTAL in 5.10.
            [ "$series" = 5.10 ] && opts=(-m 'bigtime=0,inobtcount=0')
            mkfs.xfs -q -f "${opts[@]}" "$img" >"$log" 2>&1
            ;;
        ext4)
            command -v mkfs.ext4 >/dev/null || flvm_die "mkfs.ext4 missing: apt-get install e2fsprogs"
            truncate -s 256M "$img"
            # orphan_file needs 5.15+; keep 5.10 images free of it even where a
            # host mke2fs.conf enables it (Debian 12's does not).
            [ "$series" = 5.10 ] && opts=(-O '^orphan_file,^metadata_csum_seed')
            mkfs.ext4 -q -F "${opts[@]}" "$img" >"$log" 2>&1
            ;;
        none) return 0 ;;
        *) flvm_die "unknown --fs '$fs' (gfs2, btrfs, xfs, ext4 or none)" ;;
    esac || {
        sed 's/^/  /' "$log" >&2
        flvm_die "mkfs for $fs failed"
    }
}
