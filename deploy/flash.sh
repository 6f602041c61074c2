#!/usr/bin/env bash
# Installs the bundle from "make publish" on a unit over ssh. Runs on the developer machine:
#
#   deploy/flash.sh <host> [board]       e.g. deploy/flash.sh pi@unit.local rpi5
#
# <host> is anything ssh accepts (user@host, or a Host from ~/.ssh/config); the user needs sudo on the unit.
# [board] is a profile in hardware/boards/ (rpi4, rpi5, jetson-orin-nano, emulator). With it the unit is set to
# that board and runs "edgebci selftest" before its service starts; without it the unit keeps its board.
set -euo pipefail

readonly REMOTE_DIR=/tmp/edgebci-install

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly root
control_dir=""

die() {
    printf 'flash.sh: error: %s\n' "$*" >&2
    exit 1
}

say() {
    printf '==> %s\n' "$*"
}

usage() {
    cat <<'EOF'
usage: deploy/flash.sh <host> [board]

  host    ssh destination of the unit, e.g. pi@unit.local
  board   rpi4 | rpi5 | jetson-orin-nano | emulator (optional; sets the unit's board and runs a selftest)

Build the bundle first with: make publish
EOF
}

cleanup() {
    if [[ -n $control_dir ]]; then
        ssh -o ControlPath="$control_dir/master" -O exit "$host" >/dev/null 2>&1 || true
        rm -rf -- "$control_dir"
    fi
}

if [[ $# -lt 1 || $# -gt 2 || $1 == -h || $1 == --help ]]; then
    usage >&2
    exit 2
fi
host=$1
board=${2:-}

if [[ -n $board && ! -f $root/hardware/boards/$board.json ]]; then
    known=$(cd "$root/hardware/boards" && ls -- *.json 2>/dev/null | sed 's/\.json$//' | paste -sd ' ' -)
    die "unknown board '$board'; known boards: ${known:-none found in hardware/boards}"
fi

shopt -s nullglob
bundles=("$root"/artifacts/edgebci-firmware-*-linux-arm64.tar.gz)
shopt -u nullglob
if [[ ${#bundles[@]} -eq 0 ]]; then
    die "no artifacts/edgebci-firmware-*-linux-arm64.tar.gz; run make publish first"
fi
# Several versions can pile up in artifacts/; the newest is the one just built.
bundle=${bundles[0]}
for candidate in "${bundles[@]}"; do
    if [[ $candidate -nt $bundle ]]; then
        bundle=$candidate
    fi
done
name=$(basename -- "$bundle")
if [[ ${#bundles[@]} -gt 1 ]]; then
    say "several bundles in artifacts/; using the newest, $name"
fi

for file in install.sh edgebci-firmware.service 99-edgebci.rules; do
    [[ -f $root/deploy/$file ]] || die "deploy/$file is missing from the checkout"
done

(cd -- "$(dirname -- "$bundle")" && sha256sum -- "$name" >"$name.sha256")
say "bundle $name, sha256 $(cut -d' ' -f1 <"$bundle.sha256")"

# One authenticated connection for every ssh and scp below, so a password is asked for at most once.
control_dir=$(mktemp -d "${TMPDIR:-/tmp}/edgebci-flash.XXXXXX")
trap cleanup EXIT
ssh_options=(-o ConnectTimeout=10 -o ControlMaster=auto -o ControlPath="$control_dir/master" -o ControlPersist=120)

say "connecting to $host"
if ! ssh "${ssh_options[@]}" "$host" true; then
    die "cannot reach $host over ssh; check the name (try ping or ssh $host by hand), that the unit is on and sshd is enabled, and your key (ssh-copy-id $host)"
fi

arch=$(ssh "${ssh_options[@]}" "$host" uname -m)
if [[ $arch != aarch64 ]]; then
    die "$host is $arch, but the bundle is for aarch64 (64-bit Raspberry Pi OS or JetPack)"
fi

say "copying to $host:$REMOTE_DIR/"
ssh "${ssh_options[@]}" "$host" "rm -rf $REMOTE_DIR && mkdir -p $REMOTE_DIR"
scp -q "${ssh_options[@]}" -- "$bundle" "$bundle.sha256" \
    "$root/deploy/install.sh" "$root/deploy/edgebci-firmware.service" "$root/deploy/99-edgebci.rules" \
    "$host:$REMOTE_DIR/"

say "installing on $host"
remote_command="sudo"
if [[ -n $board ]]; then
    remote_command+=" BOARD=$board"
fi
remote_command+=" bash $REMOTE_DIR/install.sh $(printf '%q' "$REMOTE_DIR/$name")"
# -t gives sudo a terminal in case it asks for a password.
if ssh -t "${ssh_options[@]}" "$host" "$remote_command"; then
    say "done: $host runs $name"
else
    status=$?
    die "install.sh on $host failed (exit $status); its messages are above"
fi
