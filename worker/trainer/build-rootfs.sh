#!/usr/bin/env bash
# Builds the trainer image's Debian root filesystem as a reproducible layer tar (fixed file times and owners),
# OUTSIDE the clone: $NEURAL_CACHE_DIR (default ~/.cache/neural)/trainer-<key>/rootfs.tar, where <key> hashes the
# package request below. Re-running with the same request reuses the cache (so the image ID stays the same).
# Writes beside it: packages.txt (the installed package list, name=version) and digits.csv.gz (scikit-learn's
# bundled digits, taken from Debian's python3-sklearn package: the reference training's dataset).
# Needs root, debootstrap and Debian's apt mirror (see docs/toolchain.md). About 5 minutes the first time.
set -euo pipefail
cd "$(dirname "$0")"

SUITE=bookworm
PACKAGES="python3-torch python3-numpy"
KEY=$(printf '%s|%s|v1' "$SUITE" "$PACKAGES" | sha256sum | cut -c1-16)
CACHE=${NEURAL_CACHE_DIR:-$HOME/.cache/neural}
OUT=$CACHE/trainer-$KEY
if [ -s "$OUT/rootfs.tar" ] && [ -s "$OUT/digits.csv.gz" ] && [ -s "$OUT/packages.txt" ]; then
  echo "$OUT"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "build-rootfs.sh: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build-rootfs.sh: apt-get install debootstrap" >&2; exit 1; }
MIRROR=$(grep -hoE 'https?://[^ ]+/debian/?$' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n1 || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

mkdir -p "$OUT"
WORK=$(mktemp -d "$CACHE/build-XXXXXX")
ROOT=$WORK/root
cleanup() { umount -l "$ROOT/proc" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
echo "debootstrap $SUITE from $MIRROR" >&2
debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >&2
cp -a /etc/apt/sources.list.d/debian.sources "$ROOT/etc/apt/sources.list.d/" 2>/dev/null || true
mount -t proc proc "$ROOT/proc"
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES >&2
# the dataset: digits.csv.gz from python3-sklearn's .deb, without installing scikit-learn into the image
(cd "$WORK" && chroot "$ROOT" sh -c 'cd /tmp && apt-get download -qq python3-sklearn' >&2 && \
  dpkg-deb -x "$ROOT"/tmp/python3-sklearn_*.deb "$WORK/sk" && \
  find "$WORK/sk" -name digits.csv.gz -exec cp {} "$OUT/digits.csv.gz.tmp" \;)
chroot "$ROOT" dpkg-query -W -f '${Package}=${Version}\n' | sort > "$OUT/packages.txt.tmp"
umount -l "$ROOT/proc"
# drop what differs between builds and is not needed at run time
rm -rf "$ROOT"/var/cache/apt/* "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/* "$ROOT"/tmp/* "$ROOT"/var/tmp/* \
  "$ROOT"/var/cache/ldconfig/aux-cache "$ROOT"/etc/machine-id "$ROOT"/var/lib/dbus/machine-id
find "$ROOT" -name '__pycache__' -type d -prune -exec rm -rf {} +
mkdir -p "$ROOT/data" "$ROOT/checkpoints" "$ROOT/output" "$ROOT/opt/neural"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$ROOT" -cf "$OUT/rootfs.tar.tmp" .
mv "$OUT/digits.csv.gz.tmp" "$OUT/digits.csv.gz"
mv "$OUT/packages.txt.tmp" "$OUT/packages.txt"
mv "$OUT/rootfs.tar.tmp" "$OUT/rootfs.tar"
echo "$OUT"
