# shellcheck shell=bash
# shellcheck disable=SC2034 # FLVM_* results are read by the caller
# Fetch and unpack Debian kernels for the VM harness.
#
# Cache layout (under $(flvm_cache_dir)):
#   lock                          flock(1) file serialising every cache update
#   apt/<codename>/               isolated apt state: sources.list, lists/, cache/
#   apt/<codename>/resolved       "<package> <version>" of the newest kernel seen
#   debs/<package>_<version>_amd64.deb
#   kernels/<package>_<version>/  vmlinuz, config, kver, modules.avail and
#                                 root/lib/modules/<kver>/ (only the modules the
#                                 guest needs, decompressed, depmod'ed)
#   kernels/<package>_<version>/base-<hash>.cpio.gz   cached base initramfs
#
# Nothing here needs the host kernel: kernels are only ever booted under QEMU.

# Modules the guest may load (plus their modules.dep closure). Top-level names.
readonly FLVM_WANTED_MODULES='virtio_pci virtio_blk crc32c_generic gfs2 btrfs xfs ext4 dlm virtio_net'

# How long a "newest kernel" resolution is trusted before apt-get update runs again.
FLVM_RESOLVE_MAX_AGE=${FAULTLOCK_VM_RESOLVE_MAX_AGE:-86400}

flvm_series_suites() {
    case $1 in
        5.10) echo 'bullseye bullseye-security' ;;
        6.1) echo 'bookworm bookworm-security' ;;
        6.12) echo 'trixie trixie-security' ;;
        *) return 1 ;;
    esac
}

# Print "<kind> <uri> <suite>" for every enabled deb source of the host,
# from one-line (.list) and deb822 (.sources) files.
flvm_host_apt_sources() {
    local f files=()
    [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && files+=("$f")
    done
    if [ "${#files[@]}" -gt 0 ]; then
        awk '
            /^[[:space:]]*deb[[:space:]]/ {
                sub(/^[[:space:]]*deb[[:space:]]+/, "")
                if ($0 ~ /^\[/) sub(/^\[[^]]*\][[:space:]]*/, "")
                print $1, $2
            }' "${files[@]}"
    fi
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush(   i, j, nu, ns, u, s) {
                if (types ~ /(^|[[:space:]])deb([[:space:]]|$)/ && enabled !~ /^[[:space:]]*no/) {
                    nu = split(uris, u, /[[:space:]]+/)
                    ns = split(suites, s, /[[:space:]]+/)
                    for (i = 1; i <= nu; i++)
                        for (j = 1; j <= ns; j++)
                            if (u[i] != "" && s[j] != "") print u[i], s[j]
                }
                types = uris = suites = enabled = ""
            }
            /^[[:space:]]*#/ { next }
            /^[[:space:]]*$/ { flush(); next }
            {
                key = tolower($1); val = $0
                sub(/^[^:]*:[[:space:]]*/, "", val)
                if (key == "types:") types = val
                else if (key == "uris:") uris = val
                else if (key == "suites:") suites = val
                else if (key == "enabled:") enabled = tolower(val)
            }
            END { flush() }' "$f"
    done
}

# Set FLVM_MIRROR and FLVM_SECURITY_MIRROR from the host's apt sources
# (overridable with FAULTLOCK_VM_MIRROR / FAULTLOCK_VM_SECURITY_MIRROR).
flvm_find_mirrors() {
    local list
    list=$(flvm_host_apt_sources)
    FLVM_MIRROR=${FAULTLOCK_VM_MIRROR:-$(awk '
        $2 ~ /^(buster|bullseye|bookworm|trixie|forky|duke|sid|stable|oldstable|testing|unstable)$/ {
            print $1; exit }' <<<"$list")}
    FLVM_SECURITY_MIRROR=${FAULTLOCK_VM_SECURITY_MIRROR:-$(awk '
        $2 ~ /-security$|\/updates$/ { print $1; exit }' <<<"$list")}
    FLVM_MIRROR=${FLVM_MIRROR%/}
    FLVM_SECURITY_MIRROR=${FLVM_SECURITY_MIRROR%/}
    [ -n "$FLVM_MIRROR" ] ||
        flvm_die "no Debian mirror found in /etc/apt/sources.list(.d); set FAULTLOCK_VM_MIRROR"
    if [ -z "$FLVM_SECURITY_MIRROR" ]; then
        flvm_log "warning: no Debian security mirror in the host's apt sources; using only $FLVM_MIRROR"
    fi
}

# Run apt-get/apt-cache with the isolated configuration of apt dir $1.
flvm_apt() {
    local dir=$1 tool=$2
    shift 2
    "$tool" -q \
        -o Dir::Etc::sourcelist="$dir/sources.list" \
        -o Dir::Etc::sourceparts=- \
        -o Dir::State::Lists="$dir/lists" \
        -o Dir::Cache="$dir/cache" \
        -o Dir::State::status=/dev/null \
        -o Dir::Etc::Preferences=/dev/null \
        -o Dir::Etc::PreferencesParts="$dir/prefs" \
        -o APT::Architecture=amd64 \
        -o APT::Sandbox::User=root \
        -o Acquire::Languages=none \
        -o Debug::NoLocking=true \
        "$@"
}

# Write apt dir $1's sources.list for suites $2...
flvm_apt_sources_write() {
    local dir=$1 suite uri keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    shift
    [ -r "$keyring" ] || flvm_die "$keyring missing: apt-get install debian-archive-keyring"
    : >"$dir/sources.list"
    for suite in "$@"; do
        case $suite in
            *-security)
                [ -n "$FLVM_SECURITY_MIRROR" ] || continue
                uri=$FLVM_SECURITY_MIRROR
                ;;
            *) uri=$FLVM_MIRROR ;;
        esac
        printf 'deb [arch=amd64 signed-by=%s] %s %s main\n' "$keyring" "$uri" "$suite" >>"$dir/sources.list"
    done
}

# Resolve the newest kernel package of series $1; sets FLVM_KPKG, FLVM_KPKGVER.
# Caller holds the cache lock.
flvm_kernel_resolve() {
    local series=$1 cache=$2 suites codename dir resolved dep pkg ver
    suites=$(flvm_series_suites "$series") || flvm_die "unknown kernel series '$series' (use 5.10, 6.1 or 6.12)"
    codename=${suites%% *}
    dir=$cache/apt/$codename
    resolved=$dir/resolved
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/prefs"

    if [ "${FAULTLOCK_VM_OFFLINE:-0}" != 1 ] &&
        { [ "${FAULTLOCK_VM_REFRESH:-0}" = 1 ] || [ "$(flvm_file_age "$resolved")" -ge "$FLVM_RESOLVE_MAX_AGE" ]; }; then
        flvm_find_mirrors
        # shellcheck disable=SC2086 # word splitting of the suite list is intended
        flvm_apt_sources_write "$dir" $suites
        flvm_log "resolving newest Debian $codename kernel (apt-get update: $(awk '{printf "%s%s %s", sep, $4, $5; sep=", "}' "$dir/sources.list"))"
        if ! flvm_apt "$dir" apt-get update >"$dir/update.log" 2>&1; then
            # A suite that does not exist (e.g. a security suite not yet opened)
            # must not block the main one.
            flvm_log "warning: apt-get update failed for '$suites', retrying with $codename only (see $dir/update.log)"
            flvm_apt_sources_write "$dir" "$codename"
            flvm_apt "$dir" apt-get update >"$dir/update.log" 2>&1 || {
                sed 's/^/  /' "$dir/update.log" >&2
                [ -s "$resolved" ] || flvm_die "apt-get update failed for $codename"
                flvm_log "warning: using the previously resolved kernel"
            }
        fi
        if dep=$(flvm_apt "$dir" apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
            awk -F': ' '$1 == "Depends" { print $2; exit }'); then
            dep=${dep//|/,}
            pkg=$(awk -v RS=',' '$1 ~ /^linux-image-[0-9]/ { print $1; exit }' <<<"$dep")
            if [ -n "$pkg" ]; then
                ver=$(flvm_apt "$dir" apt-cache show --no-all-versions "$pkg" 2>/dev/null |
                    awk -F': ' '$1 == "Version" { print $2; exit }')
                if [ -n "$ver" ]; then
                    printf '%s %s\n' "$pkg" "$ver" >"$resolved.tmp"
                    mv -f "$resolved.tmp" "$resolved"
                fi
            fi
        fi
        # Trust this answer (or the previous one, if the archive was unreachable)
        # for another FLVM_RESOLVE_MAX_AGE seconds.
        if [ -s "$resolved" ]; then touch "$resolved"; fi
    fi
    [ -s "$resolved" ] || flvm_die "could not resolve the $codename kernel (linux-image-amd64 dependency); see $dir/update.log"
    read -r FLVM_KPKG FLVM_KPKGVER <"$resolved"
}

# Download (once) the resolved package; sets FLVM_KDEB. Caller holds the lock.
flvm_kernel_download() {
    local cache=$1 series=$2 codename dir tmp f
    codename=$(flvm_series_suites "$series")
    codename=${codename%% *}
    dir=$cache/apt/$codename
    mkdir -p "$cache/debs"
    FLVM_KDEB=$cache/debs/${FLVM_KPKG}_${FLVM_KPKGVER//:/%3a}_amd64.deb
    [ -s "$FLVM_KDEB" ] && return 0
    [ -s "$dir/sources.list" ] || flvm_die "no apt sources for $codename; run with FAULTLOCK_VM_REFRESH=1"
    tmp=$(mktemp -d "$cache/debs/.dl.XXXXXX")
    flvm_log "downloading $FLVM_KPKG $FLVM_KPKGVER"
    if ! (cd "$tmp" && flvm_apt "$dir" apt-get download "$FLVM_KPKG=$FLVM_KPKGVER" >"$tmp/log" 2>&1); then
        # The lists may be older than the archive: refresh once.
        flvm_apt "$dir" apt-get update >"$dir/update.log" 2>&1 || true
        (cd "$tmp" && flvm_apt "$dir" apt-get download "$FLVM_KPKG=$FLVM_KPKGVER" >"$tmp/log" 2>&1) || {
            sed 's/^/  /' "$tmp/log" >&2
            rm -rf "$tmp"
            flvm_die "apt-get download $FLVM_KPKG=$FLVM_KPKGVER failed"
        }
    fi
    f=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n 1)
    [ -n "$f" ] || { rm -rf "$tmp"; flvm_die "apt-get download produced no .deb"; }
    mv -f "$f" "$FLVM_KDEB"
    rm -rf "$tmp"
}

# Is kernel dir $1 complete, with the current module set?
flvm_kernel_unpacked() {
    [ -f "$1/.complete" ] && [ "$(cat "$1/wanted" 2>/dev/null)" = "$FLVM_WANTED_MODULES" ]
}

# Unpack the kernel and the needed modules; sets FLVM_KDIR, FLVM_KVER.
# Caller holds the lock.
flvm_kernel_unpack() {
    local cache=$1 kdir tmp x moddir kver m rel line deps=() closure=() f dst
    kdir=$cache/kernels/${FLVM_KPKG}_${FLVM_KPKGVER//:/%3a}
    FLVM_KDIR=$kdir
    if flvm_kernel_unpacked "$kdir"; then
        FLVM_KVER=$(cat "$kdir/kver")
        return 0
    fi
    mkdir -p "$cache/kernels"
    rm -rf "$kdir"
    tmp=$(mktemp -d "$cache/kernels/.unpack.XXXXXX")
    x=$tmp/x
    flvm_log "unpacking $(basename "$FLVM_KDEB")"
    dpkg-deb -x "$FLVM_KDEB" "$x" || { rm -rf "$tmp"; flvm_die "dpkg-deb -x failed"; }
    # 6.12 (trixie) ships /usr/lib/modules; make depmod -b find it.
    if [ ! -e "$x/lib" ] && [ -d "$x/usr/lib" ]; then
        ln -s usr/lib "$x/lib"
    fi
    moddir=$(find "$x/lib/modules/" -mindepth 1 -maxdepth 1 -type d | head -n 1)
    [ -n "$moddir" ] || { rm -rf "$tmp"; flvm_die "no lib/modules in $FLVM_KDEB"; }
    kver=$(basename "$moddir")
    depmod -b "$x" "$kver" || { rm -rf "$tmp"; flvm_die "depmod failed on $kver"; }

    mkdir -p "$tmp/k/root/lib/modules/$kver"
    : >"$tmp/k/modules.avail"
    for m in $FLVM_WANTED_MODULES; do
        if grep -Eq "/${m}\.ko(\.xz|\.zst|\.gz)?\$" "$moddir/modules.builtin"; then
            continue
        fi
        line=$(grep -E "(^|/)${m}\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | head -n 1)
        [ -n "$line" ] || { rm -rf "$tmp"; flvm_die "module $m not found in $kver"; }
        read -r -a deps <<<"${line/:/ }"
        closure+=("${deps[@]}")
        echo "$m" >>"$tmp/k/modules.avail"
    done
    for rel in $(printf '%s\n' "${closure[@]}" | sort -u); do
        f=$moddir/$rel
        dst=$tmp/k/root/lib/modules/$kver/${rel%.*}
        case $rel in
            *.ko) dst=$tmp/k/root/lib/modules/$kver/$rel ;;
        esac
        mkdir -p "$(dirname "$dst")"
        case $rel in
            *.ko.xz) xz -dc "$f" >"$dst" ;;
            *.ko.zst) zstd -q -dc "$f" >"$dst" ;;
            *.ko.gz) gzip -dc "$f" >"$dst" ;;
            *) cp "$f" "$dst" ;;
        esac
    done
    for f in modules.builtin modules.builtin.modinfo modules.order; do
        [ -f "$moddir/$f" ] && cp "$moddir/$f" "$tmp/k/root/lib/modules/$kver/"
    done
    depmod -b "$tmp/k/root" "$kver" || { rm -rf "$tmp"; flvm_die "depmod failed on the module subset"; }
    f=$(find "$x/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n 1)
    [ -n "$f" ] || { rm -rf "$tmp"; flvm_die "no vmlinuz in $FLVM_KDEB"; }
    cp "$f" "$tmp/k/vmlinuz"
    f=$(find "$x/boot" -maxdepth 1 -name 'config-*' | head -n 1)
    [ -n "$f" ] && cp "$f" "$tmp/k/config"
    echo "$kver" >"$tmp/k/kver"
    echo "$FLVM_WANTED_MODULES" >"$tmp/k/wanted"
    touch "$tmp/k/.complete"
    mv "$tmp/k" "$kdir"
    rm -rf "$tmp"
    FLVM_KVER=$kver
}

# Remove what interrupted runs left behind and kernels no series resolves to
# any more (a new ABI replaces the old package). Caller holds the lock.
flvm_cache_tidy() {
    local cache=$1 keep=() r p v d
    rm -rf "$cache"/kernels/.unpack.* "$cache"/debs/.dl.* "$cache"/kernels/*/.stage.*
    for r in "$cache"/apt/*/resolved; do
        [ -s "$r" ] || continue
        read -r p v <"$r"
        keep+=("${p}_${v//:/%3a}")
    done
    [ "${#keep[@]}" -gt 0 ] || return 0
    for d in "$cache"/kernels/* "$cache"/debs/*.deb; do
        [ -e "$d" ] || continue
        p=$(basename "$d")
        p=${p%_amd64.deb}
        if ! printf '%s\n' "${keep[@]}" | grep -qxF "$p"; then
            flvm_log "removing unused $d"
            rm -rf "$d"
        fi
    done
}

# Everything needed to boot series $1: sets FLVM_KDIR, FLVM_KVER.
flvm_kernel_prepare() {
    local series=$1 cache=$2
    flvm_kernel_resolve "$series" "$cache"
    flvm_cache_tidy "$cache"
    local kdir=$cache/kernels/${FLVM_KPKG}_${FLVM_KPKGVER//:/%3a}
    if ! flvm_kernel_unpacked "$kdir"; then
        flvm_kernel_download "$cache" "$series"
    fi
    flvm_kernel_unpack "$cache"
}
