#!/usr/bin/env bash
# Installs a signed bundle from "make publish" on a unit over ssh, then waits for its trial to commit or roll back.
# Runs on the developer machine:
#
#   deploy/flash.sh <host> [board] [--allow-downgrade] [--bundle PATH]     e.g. deploy/flash.sh pi@unit.local rpi5
#
# <host> is anything ssh accepts (user@host, or a Host from ~/.ssh/config); the user needs sudo on the unit.
# [board] is a profile in hardware/boards/ (rpi4, rpi5, jetson-orin-nano, emulator). With it the unit is set to
# that board and runs "edgebci selftest" before its service starts; without it the unit keeps its board.
# Exit: 0 committed, 5 rolled back, 4 still in trial when the wait ended, 3 the unit refused the bundle, 1 error,
# 2 usage.
set -euo pipefail

readonly REMOTE_DIR=/tmp/edgebci-install
# The unit's Release:HealthHoldSeconds default (60) and a margin for the start and a restart or two.
readonly DEFAULT_HEALTH_HOLD_SECONDS=60
readonly WAIT_MARGIN_SECONDS=90

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
usage: deploy/flash.sh <host> [board] [--allow-downgrade] [--bundle PATH]

  host               ssh destination of the unit, e.g. pi@unit.local
  board              rpi4 | rpi5 | jetson-orin-nano | emulator (optional; sets the unit's board and runs a selftest)
  --allow-downgrade  install a version older than the unit's
  --bundle PATH      this bundle instead of the newest artifacts/edgebci-firmware-*.tar.gz

Build a signed bundle first with: make publish SIGN_KEY=<folder>/release.key
EOF
}

cleanup() {
    if [[ -n $control_dir ]]; then
        ssh -o ControlPath="$control_dir/master" -O exit "$host" >/dev/null 2>&1 || true
        rm -rf -- "$control_dir"
    fi
}

host=""
board=""
bundle=""
install_options=()
while [[ $# -gt 0 ]]; do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --allow-downgrade) install_options+=(--allow-downgrade) ;;
        --bundle)
            [[ -n ${2:-} ]] || { usage >&2; exit 2; }
            bundle=$2
            shift
            ;;
        -*) usage >&2; exit 2 ;;
        *)
            if [[ -z $host ]]; then
                host=$1
            elif [[ -z $board ]]; then
                board=$1
            else
                usage >&2
                exit 2
            fi
            ;;
    esac
    shift
done
[[ -n $host ]] || { usage >&2; exit 2; }

if [[ -n $board && ! -f $root/hardware/boards/$board.json ]]; then
    known=$(cd "$root/hardware/boards" && ls -- *.json 2>/dev/null | sed 's/\.json$//' | paste -sd ' ' -)
    die "unknown board '$board'; known boards: ${known:-none found in hardware/boards}"
fi

if [[ -z $bundle ]]; then
    shopt -s nullglob
    bundles=("$root"/artifacts/edgebci-firmware-*-linux-arm64.tar.gz "$root"/artifacts/edgebci-firmware-*-linux-x64.tar.gz)
    shopt -u nullglob
    if [[ ${#bundles[@]} -eq 0 ]]; then
        die "no artifacts/edgebci-firmware-*-<rid>.tar.gz; run make publish SIGN_KEY=<folder>/release.key first"
    fi
    # Several versions can pile up in artifacts/; the newest is the one just built.
    bundle=${bundles[0]}
    for candidate in "${bundles[@]}"; do
        if [[ $candidate -nt $bundle ]]; then
            bundle=$candidate
        fi
    done
    if [[ ${#bundles[@]} -gt 1 ]]; then
        say "several bundles in artifacts/; using the newest, $(basename -- "$bundle")"
    fi
fi
[[ -f $bundle ]] || die "bundle not found: $bundle"
name=$(basename -- "$bundle")
for script in install.sh verify-bundle.sh; do
    [[ -f $root/deploy/$script ]] || die "deploy/$script is missing from the checkout"
done

# The unit refuses an unsigned bundle; say so here before anything is copied. grep without -q: with pipefail, its early
# exit would fail the pipeline through tar's SIGPIPE.
if ! tar -tzf "$bundle" 2>/dev/null | grep -x 'manifest.sig' >/dev/null; then
    die "$name has no manifest.sig: the unit refuses unsigned bundles; build it with make publish SIGN_KEY=<folder>/release.key"
fi
say "bundle $name (signed)"

# One authenticated connection for every ssh and scp below, so a password is asked for at most once.
control_dir=$(mktemp -d "${TMPDIR:-/tmp}/edgebci-flash.XXXXXX")
trap cleanup EXIT
ssh_options=(-o ConnectTimeout=10 -o ControlMaster=auto -o ControlPath="$control_dir/master" -o ControlPersist=300)

say "connecting to $host"
if ! ssh "${ssh_options[@]}" "$host" true; then
    die "cannot reach $host over ssh; check the name (try ping or ssh $host by hand), that the unit is on and sshd is enabled, and your key (ssh-copy-id $host)"
fi

say "copying to $host:$REMOTE_DIR/"
ssh "${ssh_options[@]}" "$host" "rm -rf $REMOTE_DIR && mkdir -p $REMOTE_DIR"
scp -q "${ssh_options[@]}" -- "$bundle" "$root/deploy/install.sh" "$root/deploy/verify-bundle.sh" "$host:$REMOTE_DIR/"

say "installing on $host"
remote_command="sudo"
if [[ -n $board ]]; then
    remote_command+=" BOARD=$board"
fi
remote_command+=" bash $REMOTE_DIR/install.sh ${install_options[*]} $(printf '%q' "$REMOTE_DIR/$name")"
status=0
# -t gives sudo a terminal in case it asks for a password.
ssh -t "${ssh_options[@]}" "$host" "$remote_command" || status=$?
case $status in
    0) ;;
    3)
        printf 'flash.sh: %s refused the bundle (its reason is above)\n' "$host" >&2
        exit 3
        ;;
    5)
        printf 'rolled back: the self-test failed during install (its output is above)\n'
        exit 5
        ;;
    *) die "install.sh on $host failed (exit $status); its messages are above" ;;
esac

hold=$(ssh "${ssh_options[@]}" "$host" "sed -n 's/^EDGEBCI_Release__HealthHoldSeconds=//p' /etc/edgebci/firmware.env 2>/dev/null | tail -n 1")
[[ $hold =~ ^[0-9]+$ ]] || hold=$DEFAULT_HEALTH_HOLD_SECONDS
wait_seconds=$((hold + WAIT_MARGIN_SECONDS))
say "waiting up to $wait_seconds s for the trial to commit or roll back"
# `edgebci release status --wait` exits 0 committed, 5 rolled back, 4 still in trial; the guard's status then gives
# the slot, version and rollback reason for the one outcome line.
report=$(ssh -t "${ssh_options[@]}" "$host" \
    "sudo sh -c 'edgebci release status --wait $wait_seconds >&2; status=\$?; /usr/lib/edgebci/edgebci-slots status; exit \$status'") || status=$?
report=${report//$'\r'/}
field() {
    sed -n "s/^$1=//p" <<<"$report" | tail -n 1
}
case $status in
    0) printf 'committed: %s in slot %s\n' "$(field version)" "$(field slot)" ;;
    5) printf 'rolled back: %s\n' "$(field last_rollback_reason)" ;;
    4) printf 'still in trial after %s s\n' "$wait_seconds" ;;
    *) die "edgebci release status on $host failed (exit $status)" ;;
esac
exit "$status"
