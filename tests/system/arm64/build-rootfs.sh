#!/usr/bin/env bash
# Builds the emulated arm64 machine's Debian root file system (kernel and initramfs in /boot) as a tarball, once:
# the result is cached under $EDGEBCI_SYSTEM_CACHE (default /var/tmp/edgebci-system-test), keyed by the suite and the
# package list, because mmdebstrap's second stage runs through qemu-user and takes minutes.
#
#   build-rootfs.sh            prints the path of the (cached or new) tarball on stdout, progress on stderr
#
# What the proof needs and nothing more: systemd as PID 1 (the service is Type=notify), openssl (install.sh verifies
# the bundle's signature with it), libicu72 (.NET's globalization), passwd (install.sh creates the service user),
# a kernel with an initramfs that finds the root file system on a virtio disk. No .NET: the release is self-contained.
set -euo pipefail

readonly SUITE=bookworm
readonly PACKAGES=systemd,systemd-sysv,dbus,udev,passwd,mawk,openssl,libicu72,ca-certificates,iproute2,kmod,linux-image-arm64,initramfs-tools
readonly CACHE=${EDGEBCI_SYSTEM_CACHE:-/var/tmp/edgebci-system-test}

# The mirror this host's apt uses (deb822 or one-line format), so the guest's packages come from the same place.
host_mirror() {
    local uri
    uri=$(grep -hoE '(URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+/debian/?([[:space:]]|$)' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
        grep -oE 'https?://[^[:space:]]+' | head -n 1 || true)
    printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

mirror=${EDGEBCI_DEBIAN_MIRROR:-$(host_mirror)}
key=$(printf '%s\n' "$SUITE" arm64 minbase "$PACKAGES" initramfs-virt-list | sha256sum | cut -c1-16)
tarball=$CACHE/rootfs-arm64-$SUITE-$key.tar

mkdir -p "$CACHE"
exec 9>"$tarball.lock"
flock 9
if [[ -s $tarball ]]; then
    echo "build-rootfs.sh: reusing $tarball" >&2
    printf '%s\n' "$tarball"
    exit 0
fi

echo "build-rootfs.sh: building $tarball from $mirror (qemu-user: several minutes)" >&2
partial=$tarball.partial.$$
trap 'rm -f -- "$partial"' EXIT
# The initramfs needs only what finds the root disk of qemu's virt machine. initramfs-tools' default (MODULES=most)
# copies most of the kernel's modules, which under qemu-user took over half an hour per kernel; MODULES=list plus a
# hook naming the virtio and ext4 modules makes it a minute. Written before the kernel and initramfs-tools are
# installed (essential hook), in files no package owns.
initramfs_setup='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"
printf "MODULES=list\n" > "$1/etc/initramfs-tools/conf.d/edgebci-virt"
printf "#!/bin/sh\n[ \"\$1\" = prereqs ] && exit 0\n. /usr/share/initramfs-tools/hook-functions\nmanual_add_modules virtio_mmio virtio_pci virtio_blk ext4\n" > "$1/etc/initramfs-tools/hooks/edgebci-virt"
chmod 0755 "$1/etc/initramfs-tools/hooks/edgebci-virt"'
mmdebstrap --architectures=arm64 --variant=minbase --include="$PACKAGES" --format=tar \
    --essential-hook="$initramfs_setup" \
    "$SUITE" "$partial" "$mirror" </dev/null >&2
[[ -s $partial ]] || { echo "build-rootfs.sh: mmdebstrap wrote no tarball" >&2; exit 1; }
tar -tf "$partial" | grep -E '^\./boot/vmlinuz-' >/dev/null || { echo "build-rootfs.sh: no kernel in $partial" >&2; exit 1; }
tar -tf "$partial" | grep -E '^\./boot/initrd\.img-' >/dev/null || { echo "build-rootfs.sh: no initramfs in $partial" >&2; exit 1; }
mv -f -- "$partial" "$tarball"
trap - EXIT
printf '%s\n' "$tarball"
