#!/usr/bin/env bash
# Runs inside the emulated arm64 machine (as root, from the host's share mounted at /mnt/proof): installs the release
# as a unit would be, then proves the self-test, the int8 decoder and the Q31 chain on that machine. Every step's exit
# code and duration go to results/results.txt (key=value lines) and its output to results/<step>.log; the host test
# asserts on them. A failing step does not stop the later ones: the host wants every result in one boot.
#
# proof.env (written by the host) sets BUNDLE, MODEL, RECORDING (paths relative to the share) and BOARD.
set -uo pipefail

readonly SHARE=/mnt/proof
readonly RESULTS=$SHARE/results
readonly SERVICE=edgebci-firmware
# shellcheck source=/dev/null
source "$SHARE/proof.env"
mkdir -p "$RESULTS"

result() {
    printf '%s=%s\n' "$1" "$2" >>"$RESULTS/results.txt"
}

now() {
    date +%s.%N
}

# step <name> <command...>: runs the command with its output in results/<name>.log, records exit code and seconds.
step() {
    local name=$1 start status
    shift
    echo "proof: $name: $*"
    start=$(now)
    "$@" >"$RESULTS/$name.log" 2>&1
    status=$?
    result "${name}_exit" "$status"
    result "${name}_seconds" "$(awk -v end="$(now)" -v start="$start" 'BEGIN { printf "%.1f", end - start }')"
    echo "proof: $name: exit $status"
    return 0
}

service_state() {
    local prefix=$1 line
    while IFS= read -r line; do
        result "${prefix}_${line%%=*}" "${line#*=}"
    done < <(systemctl show -p ActiveState,SubState,Result,ExecMainStatus,NRestarts "$SERVICE")
}

: >"$RESULTS/results.txt"
result boot_seconds "$(cut -d' ' -f1 /proc/uptime)"
result machine "$(uname -m)"
result kernel "$(uname -r)"

# Provisioning, as on a real unit: the trust folder is installed once, never by a bundle.
install -d -m 0755 /etc/edgebci/trust
install -m 0644 "$SHARE"/trust/*.pub.pem /etc/edgebci/trust/

# The trial's health deadline (300 s) is a real unit's; under TCG the firmware is many times slower, and the proof is
# that it installs, starts and works, not that it commits within a real unit's minutes (the nspawn tests prove that).
# For the same reason the emulated chip converts at the reader's pace (Emulator:Pacing=FreeRunning): at real-time pace
# a reader many times slower than a Pi misses conversions, as a real chip's would be missed, and the self-test fails
# its "conversions read" line (about a quarter missed here), rightly: such a host could not stream. The samples, and so
# the Q31 output and the decisions, are the same at either pace.
printf 'EDGEBCI_Release__HealthDeadlineSeconds=86400\nEDGEBCI_Emulator__Pacing=FreeRunning\n' >/etc/edgebci/firmware.env

step install env BOARD="$BOARD" bash "$SHARE/deploy/install.sh" "$SHARE/$BUNDLE"
service_state service_after_install

# As root from /: the CLI the release installed at /usr/local/bin/edgebci.
cd /
# As on a unit (deploy/README.md): the self-test takes the chip, so the service stops for it and starts again after.
systemctl stop "$SERVICE"
# The service's pacing (firmware.env above) is the CLI's too, said on the command line.
step selftest /usr/local/bin/edgebci selftest --board "$BOARD" --pacing FreeRunning
systemctl start "$SERVICE"
step decide /usr/local/bin/edgebci replay-score --bundle "/opt/edgebci/firmware/$MODEL" --recording "$SHARE/$RECORDING"
# "<model> (int8) on <run>: 125.0 s replayed, 489 decisions, ..." (the console wraps it at 80 columns when redirected).
decisions=$(tr '\n' ' ' <"$RESULTS/decide.log" | tr -s ' ' | grep -oE '[0-9]+ decisions' | head -n 1 | cut -d' ' -f1)
result decisions "${decisions:-none}"
# TZ=UTC: the output's start time is the recording's modification time in local time; the host runs with the same.
step filter env TZ=UTC /usr/local/bin/edgebci filter --in "$SHARE/$RECORDING" --out "$RESULTS/filtered.bdf" --force
service_state service_at_end
step release_status /usr/local/bin/edgebci release status

journalctl --unit "$SERVICE" --no-pager >"$RESULTS/firmware-journal.log" 2>&1
result done yes
sync
echo "proof: done"
