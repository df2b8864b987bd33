#!/usr/bin/env bash
# Build (once) a stand-in for the official python slim base image, for machines that
# reach Debian's package mirror but no container registry.
#
#   scripts/docker-base.sh            # prints the image tag on its last line
#
# The image is a debootstrap'ed Debian bookworm (minbase) with python3 + venv + pip and
# this machine's CA bundle, imported into the running Docker daemon. It is cached twice:
#   * in the daemon (skipped entirely when the tag already exists with the same key);
#   * as a rootfs tarball under $BACKPROP_CACHE_DIR, so a daemon with a fresh image
#     store re-imports it in seconds instead of running debootstrap again.
# Needs root and a running Docker daemon.
set -euo pipefail

BASE_TAG="${BACKPROP_BASE_TAG:-backprop-lab-base:bookworm}"
CACHE_DIR="${BACKPROP_CACHE_DIR:-/var/cache/backprop-lab}"
SUITE="${BACKPROP_BASE_SUITE:-bookworm}"
MIRROR="${BACKPROP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGES="python3,python3-venv,python3-pip,ca-certificates"
CA_BUNDLE="${BACKPROP_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

log() { echo "docker-base: $*" >&2; }

# apt may be busy (another process installing something): wait for its locks.
apt_install() {
    local tries=0
    until DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -ge 3 ]; then
            return 1
        fi
        log "apt-get install $* failed; updating package lists and retrying"
        apt-get -o DPkg::Lock::Timeout=600 update -qq || sleep 10
    done
}

# The cache key changes when the package set, the suite or the CA bundle changes.
ca_sum="none"
if [ -f "$CA_BUNDLE" ]; then
    ca_sum="$(sha256sum "$CA_BUNDLE" | cut -c1-16)"
fi
key="$(printf '%s|%s|%s|%s|v2' "$SUITE" "$PACKAGES" "$MIRROR" "$ca_sum" | sha256sum | cut -c1-16)"
tarball="$CACHE_DIR/base-$SUITE-$key.tar"

have_key="$(docker image inspect --format '{{ index .Config.Labels "org.backprop-lab.base-key" }}' "$BASE_TAG" 2>/dev/null || true)"
if [ "$have_key" = "$key" ]; then
    log "$BASE_TAG already present (key $key)"
    echo "$BASE_TAG"
    exit 0
fi

if [ ! -s "$tarball" ]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
        log "installing debootstrap"
        apt_install debootstrap
    fi
    mkdir -p "$CACHE_DIR"
    rootfs="$(mktemp -d "${TMPDIR:-/tmp}/backprop-lab-rootfs.XXXXXX")"
    trap 'rm -rf "$rootfs" "$rootfs.log" "$tarball.part"' EXIT
    log "debootstrap $SUITE ($PACKAGES) into $rootfs (takes a few minutes once)"
    started=$SECONDS
    if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR" \
        >"$rootfs.log" 2>&1; then
        tail -n 30 "$rootfs.log" >&2
        rm -f "$rootfs.log"
        exit 1
    fi
    rm -f "$rootfs.log"
    log "debootstrap took $((SECONDS - started))s"
    # mktemp made the folder 0700: as the image's / it would lock out non-root users.
    chmod 0755 "$rootfs"
    if [ -f "$CA_BUNDLE" ]; then
        cp "$CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
    fi
    # Trim what a runtime base doesn't need.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/var/log/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
        "$rootfs"/usr/share/info/* "$rootfs"/tmp/* "$rootfs"/root/.cache
    : >"$rootfs/etc/resolv.conf"
    tar --numeric-owner -C "$rootfs" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
    trap - EXIT
    # Drop tarballs of older keys.
    find "$CACHE_DIR" -maxdepth 1 -name "base-$SUITE-*.tar" ! -name "$(basename "$tarball")" -delete
fi

log "importing $tarball as $BASE_TAG"
docker import \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV LANG=C.UTF-8" \
    --change "LABEL org.backprop-lab.base-key=$key" \
    --change 'CMD ["python3"]' \
    "$tarball" "$BASE_TAG" >/dev/null
echo "$BASE_TAG"
