#!/usr/bin/env bash
# Makes the base image localhost/tunelog-base:bookworm from Debian's packages alone (no registry is needed):
# a debootstrap minbase of bookworm with a Java 17 runtime, libgomp1 (XGBoost4J's native library, which the
# example trials load), curl (the compose healthchecks) and python3 (the
# Python helper's standard library; trials that need scikit-learn or PyTorch add them in an image of their own).
# Skips when the image exists. Run as root; needs debootstrap and podman.
set -euo pipefail
image=${TUNELOG_BASE_IMAGE:-localhost/tunelog-base:bookworm}
if podman image exists "$image"; then
  echo "base image $image exists"
  exit 0
fi
# The mirror apt on this machine already uses (deb822 or one-line sources), else Debian's own.
mirror=$(sed -n 's/^URIs: *\([^ ]*debian\/*\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)}
mirror=${mirror:-http://deb.debian.org/debian}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
debootstrap --variant=minbase --include=openjdk-17-jre-headless,libgomp1,curl,python3 bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log"; echo "debootstrap from $mirror failed" >&2; exit 1; }
# What only the build needed: downloaded packages, package lists, docs and manuals.
rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/* \
  "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/info/*
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
podman import --change 'ENV LANG=C.UTF-8' "$work/rootfs.tar" "$image" >/dev/null
echo "base image $image made in $((SECONDS - start)) s from $mirror ($(du -sh "$work/rootfs" | cut -f1))"
