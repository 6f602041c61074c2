#!/usr/bin/env bash
# Installs a signed EdgeBci release on the unit into the inactive A/B slot as a trial, or rolls back by hand. Runs ON
# the unit, as root; deploy/flash.sh copies it to /tmp/edgebci-install/ with the bundle and runs it there.
#
#   install.sh [--allow-downgrade] [--max-starts N] <path>/edgebci-firmware-<version>-<rid>.tar.gz
#   install.sh --rollback
#
# BOARD=<rpi4|rpi5|jetson-orin-nano|emulator> in the environment makes that the unit's board (written to
# /etc/edgebci/firmware.env) and runs "edgebci selftest --board $BOARD" from the new release before it starts.
#
# Nothing the bundle brought runs before the bundle is verified: signature of manifest.txt by a key in
# /etc/edgebci/trust (openssl), every listed file's size and sha256, no unlisted file, rid, board, version.
# Exit: 0 trial started (service ready), 1 error, 2 usage, 3 bundle refused, 5 rolled back at install (self-test).
#
# Layout (deploy/README.md): /opt/edgebci/slots/{a,b}, /opt/edgebci/current -> slots/<x>, the fixed links
# /opt/edgebci/firmware -> current/firmware, /opt/edgebci/cli -> current/cli, /usr/local/bin/edgebci, and the state in
# /var/lib/edgebci/release/ that /usr/lib/edgebci/edgebci-slots keeps.
set -euo pipefail

readonly PREFIX=/opt/edgebci
readonly SLOTS=$PREFIX/slots
readonly OLD_RELEASES=$PREFIX/releases
readonly CONFIG_DIR=/etc/edgebci
readonly TRUST_DIR=$CONFIG_DIR/trust
readonly ENV_FILE=$CONFIG_DIR/firmware.env
readonly PRODUCTION_JSON=$CONFIG_DIR/appsettings.Production.json
readonly SERVICE=edgebci-firmware
readonly SERVICE_USER=edgebci
readonly STATE_DIR=/var/lib/edgebci
readonly RELEASE_STATE_DIR=$STATE_DIR/release
readonly UNIT_PATH=/etc/systemd/system/$SERVICE.service
readonly RULES_PATH=/etc/udev/rules.d/99-edgebci.rules
readonly SLOTS_TOOL=/usr/lib/edgebci/edgebci-slots
readonly CLI_LINK=/usr/local/bin/edgebci
readonly LOCK_FILE=/run/edgebci-install.lock
readonly BUNDLE_PATTERN='^edgebci-firmware-([0-9A-Za-z][0-9A-Za-z.+_-]*)-(linux-arm64|linux-x64)\.tar\.gz$'
readonly DEFAULT_MAX_STARTS=3

staging=""

die() {
    printf 'install.sh: error: %s\n' "$*" >&2
    exit 1
}

# A bundle that must not be installed: one line in the contract's wording, exit 3, the running slot untouched.
refuse() {
    printf 'install.sh: refused: %s\n' "$1" >&2
    if [[ -n ${2:-} ]]; then
        printf 'install.sh: %s\n' "$2" >&2
    fi
    exit 3
}

warn() {
    printf 'install.sh: warning: %s\n' "$*" >&2
}

say() {
    printf '==> %s\n' "$*"
}

usage() {
    cat <<EOF
usage: sudo [BOARD=<board>] bash install.sh [--allow-downgrade] [--max-starts N] <edgebci-firmware-VERSION-RID.tar.gz>
       sudo bash install.sh --rollback

The bundle must be signed by a key in $TRUST_DIR. It goes into the inactive slot as a trial, which commits once
the firmware's health check holds and rolls back after N failed starts (--max-starts, default $DEFAULT_MAX_STARTS).
BOARD is rpi4, rpi5, jetson-orin-nano or emulator: it is written to $ENV_FILE and "edgebci selftest --board BOARD"
runs from the new release before the service starts; a failing self-test rolls back at once (exit 5).
EOF
}

cleanup() {
    if [[ -n $staging && -d $staging ]]; then
        rm -rf -- "$staging"
    fi
}

check_root() {
    if [[ $EUID -ne 0 ]]; then
        die "must run as root (it installs to $PREFIX, /etc and systemd): sudo bash $0 $*"
    fi
}

# The bundle checks, from the folder this script was copied to with it (never from the bundle it checks).
verify_library=$(dirname -- "${BASH_SOURCE[0]}")/verify-bundle.sh
[[ -f $verify_library ]] || die "verify-bundle.sh is missing beside $0 (copy install.sh and verify-bundle.sh from the same deploy/ folder)"
# shellcheck source=verify-bundle.sh
source "$verify_library"

check_architecture() {
    local machine userland expected
    machine=$(uname -m)
    case $machine in
        aarch64) expected=arm64 ;;
        x86_64) expected=amd64 ;;
        *) die "EdgeBci runs on 64-bit Arm (aarch64) or x86_64, but this machine is $machine" ;;
    esac
    # A 64-bit kernel under a 32-bit userland reports the 64-bit machine, and 64-bit binaries would not run there.
    if command -v dpkg >/dev/null 2>&1; then
        userland=$(dpkg --print-architecture)
        if [[ $userland != "$expected" ]]; then
            die "the kernel is $machine but the OS is $userland; install the 64-bit OS (Raspberry Pi OS Lite 64-bit, JetPack 6)"
        fi
    fi
}

# The version the unit runs now: the current slot's, or the old layout's release folder name.
installed_version() {
    local target line
    if [[ -L $PREFIX/current ]]; then
        target=$PREFIX/$(readlink -- "$PREFIX/current")
        for file in "$target/manifest.txt" "$target/migrated.txt"; do
            [[ -f $file ]] || continue
            line=$(grep -m 1 '^version ' "$file" || true)
            printf '%s' "${line#version }"
            return 0
        done
    elif [[ -L $PREFIX/firmware ]]; then
        target=$(readlink -f -- "$PREFIX/firmware")
        case $target in
            "$OLD_RELEASES"/*/firmware) basename -- "$(dirname -- "$target")" ;;
        esac
    fi
}

setup_user() {
    local group
    # The unit's SupplementaryGroups=: systemd refuses to start it (216/GROUP) while any of them is missing.
    for group in spi gpio i2c pwm; do
        if ! getent group "$group" >/dev/null; then
            groupadd --system "$group"
            say "created group $group"
        fi
    done
    if id -u "$SERVICE_USER" >/dev/null 2>&1; then
        usermod --append --groups spi,gpio,i2c,pwm "$SERVICE_USER"
    else
        useradd --system --user-group --groups spi,gpio,i2c,pwm --home-dir "$STATE_DIR" --no-create-home \
            --shell /usr/sbin/nologin --comment "EdgeBci firmware" "$SERVICE_USER"
        say "created system user $SERVICE_USER (groups spi, gpio, i2c, pwm)"
    fi
}

setup_config() {
    install -d -m 0755 "$CONFIG_DIR"
    if [[ ! -e $ENV_FILE ]]; then
        cat >"$ENV_FILE" <<'EOF'
# EdgeBci firmware environment, read by systemd (EnvironmentFile=) when edgebci-firmware starts.
# One KEY=value per line: EDGEBCI_ and a configuration key with "__" in place of each ":", no quotes.
# These override appsettings.json and appsettings.Production.json. Apply with:
#   sudo systemctl restart edgebci-firmware
#
#   EDGEBCI_Board=rpi5                  rpi4 | rpi5 | jetson-orin-nano | emulator
#   EDGEBCI_Ads1299__SampleRate=500     250 | 500 | 1000 | 2000 | 4000 | 8000 | 16000
#   EDGEBCI_Ads1299__SpiClockHz=0       0 takes the board's recommended clock
#   EDGEBCI_Release__HealthHoldSeconds=60   how long a new release must stay healthy before it commits
EOF
        chmod 0644 "$ENV_FILE"
        say "created $ENV_FILE"
    fi
    # The firmware loads appsettings.Production.json from its own directory; each slot links it here.
    if [[ ! -e $PRODUCTION_JSON ]]; then
        printf '{\n}\n' >"$PRODUCTION_JSON"
        chmod 0644 "$PRODUCTION_JSON"
        say "created $PRODUCTION_JSON (empty; unit-specific settings go here)"
    fi
    # Owned by the service user before its first start: StateDirectory= chowns everything below a folder it does not
    # find owned by the user, which would hand release/ (root:edgebci) to the firmware.
    install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE_DIR"
    install -d -m 0770 -o root -g "$SERVICE_USER" "$RELEASE_STATE_DIR"
}

set_board() {
    local board=$1
    if grep -q '^EDGEBCI_Board=' "$ENV_FILE"; then
        sed -i "s/^EDGEBCI_Board=.*/EDGEBCI_Board=$board/" "$ENV_FILE"
    else
        printf 'EDGEBCI_Board=%s\n' "$board" >>"$ENV_FILE"
    fi
    say "board set to $board in $ENV_FILE"
}

# Replaces a symlink in one rename(2), so the service never sees it missing or half-written.
flip_link() {
    local target=$1 link=$2
    if [[ -e $link && ! -L $link ]]; then
        die "$link exists and is not a symlink; move it away, then run install.sh again"
    fi
    ln -sfn -- "$target" "$link.new.$$"
    mv -Tf -- "$link.new.$$" "$link"
}

fixed_links() {
    flip_link current/firmware "$PREFIX/firmware"
    flip_link current/cli "$PREFIX/cli"
    flip_link "$PREFIX/cli/edgebci" "$CLI_LINK"
}

# The guard, the unit and the rules of the release in <slot>. The unit is checked before it replaces the old one.
install_system_files() {
    local slot_dir=$1 check
    install -d -m 0755 "$(dirname -- "$SLOTS_TOOL")"
    install -m 0755 -- "$slot_dir/deploy/edgebci-slots" "$SLOTS_TOOL.new"
    mv -fT -- "$SLOTS_TOOL.new" "$SLOTS_TOOL"
    install -d -m 0755 "$staging/unit"
    # Checked as it will resolve once `current` points to this slot (before the switch the fixed links do not reach it).
    sed -e "s|$PREFIX/firmware/|$slot_dir/firmware/|g" -e "s|$PREFIX/cli/|$slot_dir/cli/|g" \
        -e "s|$SLOTS_TOOL|$slot_dir/deploy/edgebci-slots|g" \
        "$slot_dir/deploy/$SERVICE.service" >"$staging/unit/$SERVICE.service"
    if ! check=$(systemd-analyze verify --man=no "$staging/unit/$SERVICE.service" 2>&1); then
        die "the release's $SERVICE.service does not pass systemd-analyze verify: $(printf '%s' "$check" | tr '\n' ' ')"
    fi
    install -m 0644 -- "$slot_dir/deploy/$SERVICE.service" "$UNIT_PATH"
    install -m 0644 -- "$slot_dir/deploy/99-edgebci.rules" "$RULES_PATH"
    if udevadm control --reload 2>/dev/null; then
        # Only the device nodes the firmware opens: a full trigger would replay every device on the system.
        udevadm trigger --action=change --subsystem-match=spidev --subsystem-match=gpio --subsystem-match=i2c-dev --subsystem-match=pwm || warn "udevadm trigger failed"
        udevadm settle --timeout=10 || warn "udev did not settle within 10 s"
    else
        warn "udev is not running; $RULES_PATH applies from the next boot"
    fi
    systemctl daemon-reload
    systemctl enable --quiet "$SERVICE"
}

stop_service() {
    if systemctl is-active --quiet "$SERVICE"; then
        say "stopping $SERVICE"
        systemctl stop "$SERVICE"
    fi
}

# Runs as the service user, with the service's configuration, so it also proves the udev rules and groups.
run_selftest() {
    local board=$1 line
    local -a config=()
    if [[ -f $PRODUCTION_JSON ]]; then
        config=(--config "$PRODUCTION_JSON")
    fi
    say "edgebci selftest --board $board"
    (
        # The service's environment, taken literally (systemd's EnvironmentFile is not shell syntax).
        while IFS= read -r line; do
            if [[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then
                export "${line?}"
            fi
        done <"$ENV_FILE"
        cd /
        exec timeout 180 runuser -u "$SERVICE_USER" -- "$CLI_LINK" selftest --board "$board" "${config[@]}"
    ) 2>&1 | tee "$staging/selftest.log"
    return "${PIPESTATUS[0]}"
}

# The old layout (/opt/edgebci/releases/<v>, /opt/edgebci/firmware a link into it) becomes slot a, committed. It has
# no manifest and no signature: allowed for this one migration only, and said so.
migrate_old_layout() {
    local old version
    old=$(dirname -- "$(readlink -f -- "$PREFIX/firmware")")
    version=$(basename -- "$old")
    [[ -x $old/firmware/EdgeBci.Firmware && -x $old/cli/edgebci ]] ||
        die "the installed release $old is incomplete (no firmware/EdgeBci.Firmware or cli/edgebci); cannot migrate it to slot a"
    say "migrating the old layout: $old becomes slot a, committed (no signature: it predates signed releases; allowed for this one migration)"
    install -d -m 0755 "$SLOTS"
    rm -rf -- "$SLOTS/a"
    cp -a -- "$old" "$SLOTS/a.new"
    printf 'version %s\nfrom %s\nat %s\n' "$version" "$old" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$SLOTS/a.new/migrated.txt"
    sync
    mv -T -- "$SLOTS/a.new" "$SLOTS/a"
    slots_write_committed a
    slots_say "migrated $version from $old into slot a, committed, unsigned (one-time migration of the old layout)"
    slots_switch_current a
    fixed_links
    rm -f -- "$PREFIX/previous"
}

install_release() {
    local bundle=$1 name version rid stage current target previous slots_lib
    [[ -f $bundle ]] || die "bundle not found: $bundle"
    [[ -r $bundle ]] || die "bundle not readable: $bundle"
    bundle=$(readlink -f -- "$bundle")
    name=$(basename -- "$bundle")
    if [[ ! $name =~ $BUNDLE_PATTERN ]]; then
        die "$name is not named edgebci-firmware-<version>-<linux-arm64|linux-x64>.tar.gz (the name make publish gives it)"
    fi
    version=${BASH_REMATCH[1]}
    rid=${BASH_REMATCH[2]}
    if [[ -n ${BOARD:-} ]]; then
        case $BOARD in
            rpi4 | rpi5 | jetson-orin-nano | emulator) ;;
            *) die "BOARD=$BOARD is not a known board; use rpi4, rpi5, jetson-orin-nano or emulator" ;;
        esac
    fi
    say "verifying $name"

    # Unpacked on the slots' file system, so the slot is filled by rename(2); nothing in it runs before it verifies.
    install -d -m 0755 "$PREFIX"
    # Left by an install that was cut off (we hold the lock: no other install is using one).
    rm -rf -- "$PREFIX"/.staging.* "$SLOTS/a.new"
    staging=$(mktemp -d "$PREFIX/.staging.XXXXXX")
    stage=$staging/bundle
    mkdir -p "$stage"
    check_entries "$bundle" "$name"
    tar -xzf "$bundle" -C "$stage" --no-same-owner || refuse "$name: cannot be unpacked (damaged or not a gzip tar)"
    verify_bundle "$name" "$stage" "$version" "$rid" "${BOARD:-$(sed -n 's/^EDGEBCI_Board=//p' "$ENV_FILE" 2>/dev/null | tail -n 1)}" \
        "$(installed_version)" "$allow_downgrade"

    # Verified: from here on the bundle's own guard library writes slots and state.
    slots_lib=$stage/deploy/edgebci-slots
    [[ -f $slots_lib ]] || die "$name has no deploy/edgebci-slots"
    # shellcheck source=edgebci-slots
    source "$slots_lib"

    if [[ -z ${BOARD:-} || $BOARD != emulator ]]; then
        # grep without -q: with pipefail, an early exit would fail the pipeline through SIGPIPE.
        if ! ldconfig -p | grep -E 'libgpiod\.so\.(2|3) ' >/dev/null; then
            warn "libgpiod is not installed; the firmware needs it on real hardware: sudo apt-get install libgpiod2 gpiod"
        fi
    fi
    if [[ -n ${BOARD:-} && $BOARD != emulator && ! -e /dev/spidev0.0 ]]; then
        warn "/dev/spidev0.0 does not exist; enable SPI as the repository's hardware/README.md describes, or the firmware cannot start"
    fi
    setup_user
    setup_config
    if [[ -n ${BOARD:-} ]]; then
        set_board "$BOARD"
    fi

    if [[ ! -L $PREFIX/current && -L $PREFIX/firmware ]]; then
        migrate_old_layout
    fi
    current=$(slots_current)
    previous=$current
    if [[ -n $current && -f $RELEASE_STATE_DIR/state ]]; then
        slots_load_state
        if ! slots_is_committed; then
            if [[ -n $S_previous_slot ]]; then
                die "a trial of $S_version in slot $S_slot is running; wait until it commits or rolls back (edgebci release status --wait 300), or roll it back: sudo $SLOTS_TOOL rollback"
            fi
            # A first install that never became healthy is no release to come back to.
            previous=""
        fi
    fi
    if [[ -n $current ]]; then
        target=$(slots_other "$current")
    else
        target=a
    fi

    # The inactive slot is forgotten in the state before it is wiped, so nothing trusts it half-written.
    if [[ -f $RELEASE_STATE_DIR/state ]]; then
        slots_load_state
        printf -v "S_${target}_version" '%s' ""
        slots_save_state
    fi
    install -d -m 0755 "$SLOTS"
    rm -rf -- "${SLOTS:?}/$target"
    chown -R root:root "$stage"
    chmod -R u+rwX,go+rX,go-w "$stage"
    ln -sfn -- "$PRODUCTION_JSON" "$stage/firmware/appsettings.Production.json"
    mv -T -- "$stage" "$SLOTS/$target"
    sync
    say "$version written to slot $target"

    install_system_files "$SLOTS/$target"
    stop_service
    slots_begin_trial "$target" "$previous" "$max_starts"
    slots_switch_current "$target"
    fixed_links
    say "current -> slots/$target ($version)${previous:+; previous: $(slots_version_of "$previous") in slot $previous}"
    rm -rf -- "$OLD_RELEASES" "$PREFIX/previous"

    # Before the service starts: the firmware and the self-test cannot both hold the SPI bus and DRDY line.
    if [[ -n ${BOARD:-} ]]; then
        local status=0
        run_selftest "$BOARD" || status=$?
        if [[ $status -ne 0 ]]; then
            local last
            last=$(grep -v '^[[:space:]]*$' "$staging/selftest.log" | tail -n 1)
            warn "selftest FAILED (exit $status)"
            if [[ -n $previous ]]; then
                slots_roll_back "self-test failed during install: ${last:-exit $status}"
                systemctl start "$SERVICE" || warn "$SERVICE did not start on the previous release either; see journalctl -u $SERVICE"
                printf 'install.sh: rolled back: self-test failed during install: %s\n' "${last:-exit $status}" >&2
                exit 5
            fi
            die "self-test failed on the first release of this unit (no previous release to return to): ${last:-exit $status}"
        fi
        say "selftest passed"
    fi

    say "starting $SERVICE"
    # Type=notify: this returns once the firmware reports ready, or fails if it exits first.
    if ! systemctl restart "$SERVICE"; then
        journalctl --unit "$SERVICE" --lines 30 --no-pager >&2 || true
        die "$SERVICE did not become ready (log above); the guard rolls the trial back after $max_starts starts: edgebci release status --wait 300"
    fi
    say "trial started: $version in slot $target; it commits after the health check holds (edgebci release status --wait)"
}

rollback() {
    [[ -x $SLOTS_TOOL ]] || die "$SLOTS_TOOL is missing: this unit has no slot install to roll back"
    "$SLOTS_TOOL" rollback "rolled back by hand (install.sh --rollback)"
}

allow_downgrade=no
max_starts=$DEFAULT_MAX_STARTS

main() {
    local bundle="" do_rollback=no
    while [[ $# -gt 0 ]]; do
        case $1 in
            -h | --help) usage; exit 0 ;;
            --rollback) do_rollback=yes ;;
            --allow-downgrade) allow_downgrade=yes ;;
            --max-starts)
                [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { printf 'install.sh: --max-starts needs a number of starts >= 1\n' >&2; exit 2; }
                max_starts=$2
                shift
                ;;
            -*) usage >&2; exit 2 ;;
            *)
                [[ -z $bundle ]] || { usage >&2; exit 2; }
                bundle=$1
                ;;
        esac
        shift
    done
    if [[ $do_rollback == yes && -n $bundle ]] || [[ $do_rollback == no && -z $bundle ]]; then
        usage >&2
        exit 2
    fi
    check_root "$@"
    check_architecture
    command -v systemctl >/dev/null 2>&1 || die "systemd is required (systemctl not found)"
    command -v openssl >/dev/null 2>&1 || die "openssl is required to verify the bundle's signature: apt-get install openssl"

    exec 9>"$LOCK_FILE"
    flock --nonblock 9 || die "another install.sh is running"
    trap cleanup EXIT

    if [[ $do_rollback == yes ]]; then
        rollback
    else
        install_release "$bundle"
    fi
}

main "$@"
