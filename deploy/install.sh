#!/usr/bin/env bash
# Installs an EdgeBci release on the unit, or rolls back to the previous one. Runs ON the unit, as root;
# deploy/flash.sh copies it to /tmp/edgebci-install/ together with the bundle, its checksum, the systemd
# unit and the udev rules, and runs it there.
#
#   install.sh <path>/edgebci-firmware-<version>-linux-arm64.tar.gz
#   install.sh --rollback
#
# BOARD=<rpi4|rpi5|jetson-orin-nano|emulator> in the environment makes that the unit's board (written to
# /etc/edgebci/firmware.env) and runs "edgebci selftest --board $BOARD" before the service starts.
#
# Layout:
#   /opt/edgebci/releases/<version>/{firmware,cli,deploy}   one directory per release
#   /opt/edgebci/firmware -> releases/<version>/firmware      what the service runs
#   /opt/edgebci/cli      -> releases/<version>/cli
#   /opt/edgebci/previous -> releases/<older version>         what --rollback returns to
#   /usr/local/bin/edgebci -> /opt/edgebci/cli/edgebci
# Only the current and the previous release are kept.
set -euo pipefail

readonly PREFIX=/opt/edgebci
readonly RELEASES=$PREFIX/releases
readonly CONFIG_DIR=/etc/edgebci
readonly ENV_FILE=$CONFIG_DIR/firmware.env
readonly PRODUCTION_JSON=$CONFIG_DIR/appsettings.Production.json
readonly SERVICE=edgebci-firmware
readonly SERVICE_USER=edgebci
readonly STATE_DIR=/var/lib/edgebci
readonly UNIT_PATH=/etc/systemd/system/$SERVICE.service
readonly RULES_PATH=/etc/udev/rules.d/99-edgebci.rules
readonly CLI_LINK=/usr/local/bin/edgebci
readonly LOCK_FILE=/run/edgebci-install.lock
readonly BUNDLE_PATTERN='^edgebci-firmware-([0-9A-Za-z][0-9A-Za-z.+_-]*)-linux-arm64\.tar\.gz$'

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here
staging=""

die() {
    printf 'install.sh: error: %s\n' "$*" >&2
    exit 1
}

warn() {
    printf 'install.sh: warning: %s\n' "$*" >&2
}

say() {
    printf '==> %s\n' "$*"
}

usage() {
    cat <<EOF
usage: sudo [BOARD=<board>] bash install.sh <edgebci-firmware-VERSION-linux-arm64.tar.gz>
       sudo bash install.sh --rollback

BOARD is rpi4, rpi5, jetson-orin-nano or emulator. With it, the board is written to $ENV_FILE
and "edgebci selftest --board BOARD" runs before the service starts.
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

check_architecture() {
    local machine
    machine=$(uname -m)
    if [[ $machine != aarch64 ]]; then
        die "this bundle is for 64-bit Arm (aarch64), but this machine is $machine"
    fi
    # A 64-bit kernel under a 32-bit userland also reports aarch64, and arm64 binaries would not run there.
    if command -v dpkg >/dev/null 2>&1; then
        local userland
        userland=$(dpkg --print-architecture)
        if [[ $userland != arm64 ]]; then
            die "the kernel is aarch64 but the OS is $userland; install the 64-bit OS (Raspberry Pi OS Lite 64-bit, JetPack 6)"
        fi
    fi
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

# The release directory the service currently runs, or nothing on a first install.
current_release() {
    if [[ -L $PREFIX/firmware ]]; then
        dirname -- "$(readlink -f -- "$PREFIX/firmware")"
    fi
}

previous_release() {
    if [[ -L $PREFIX/previous ]]; then
        readlink -f -- "$PREFIX/previous"
    fi
}

verify_checksum() {
    local bundle=$1 name dir expected
    name=$(basename -- "$bundle")
    dir=$(dirname -- "$bundle")
    if [[ ! -f $bundle.sha256 ]]; then
        warn "no $name.sha256 next to the bundle; its integrity is not verified"
        return
    fi
    expected=$(awk 'NR == 1 { print $1 }' "$bundle.sha256")
    if [[ ! $expected =~ ^[0-9a-fA-F]{64}$ ]]; then
        die "$bundle.sha256 does not start with a SHA-256 hash"
    fi
    # Checked against the bundle's own name, whatever file name the .sha256 line carries.
    if ! (cd -- "$dir" && printf '%s  %s\n' "$expected" "$name" | sha256sum --check --quiet --strict - >/dev/null 2>&1); then
        die "checksum mismatch: $name does not match $name.sha256 (corrupted or incomplete copy; run deploy/flash.sh again)"
    fi
    say "checksum OK"
}

# An x64 build renamed to linux-arm64 would pass every name check and fail only at start-up.
check_elf_aarch64() {
    local file=$1 machine
    machine=$(od -An -tx1 -j18 -N2 -- "$file" | tr -d ' \n')
    if [[ $machine != b700 ]]; then
        die "$(basename -- "$file") in the bundle is not an aarch64 executable (ELF machine 0x$machine); rebuild with make publish RID=linux-arm64"
    fi
}

setup_user() {
    local group
    for group in spi gpio; do
        if ! getent group "$group" >/dev/null; then
            groupadd --system "$group"
            say "created group $group"
        fi
    done
    if id -u "$SERVICE_USER" >/dev/null 2>&1; then
        usermod --append --groups spi,gpio "$SERVICE_USER"
    else
        useradd --system --user-group --groups spi,gpio --home-dir "$STATE_DIR" --no-create-home \
            --shell /usr/sbin/nologin --comment "EdgeBci firmware" "$SERVICE_USER"
        say "created system user $SERVICE_USER (groups spi, gpio)"
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
EOF
        chmod 0644 "$ENV_FILE"
        say "created $ENV_FILE"
    fi
    # The firmware loads appsettings.Production.json from its own directory; each release links it here.
    if [[ ! -e $PRODUCTION_JSON ]]; then
        printf '{\n}\n' >"$PRODUCTION_JSON"
        chmod 0644 "$PRODUCTION_JSON"
        say "created $PRODUCTION_JSON (empty; unit-specific settings go here)"
    fi
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

# Installs the unit and the rules a release shipped with, so a rollback also restores them.
install_system_files() {
    local release=$1
    install -m 0644 -- "$release/deploy/$SERVICE.service" "$UNIT_PATH"
    install -m 0644 -- "$release/deploy/99-edgebci.rules" "$RULES_PATH"
    udevadm control --reload
    # Only the device nodes the firmware opens: a full trigger would replay every device on the system.
    udevadm trigger --action=change --subsystem-match=spidev --subsystem-match=gpio
    udevadm settle --timeout=10 || warn "udev did not settle within 10 s"
    systemctl daemon-reload
}

stop_service() {
    if systemctl is-active --quiet "$SERVICE"; then
        say "stopping $SERVICE"
        systemctl stop "$SERVICE"
    fi
}

start_service() {
    systemctl enable --quiet "$SERVICE"
    say "starting $SERVICE"
    # Type=notify: this returns once the firmware reports ready, or fails if it exits first.
    if ! systemctl restart "$SERVICE"; then
        journalctl --unit "$SERVICE" --lines 30 --no-pager >&2 || true
        die "$SERVICE did not start (log above); to return to the previous release: sudo bash $0 --rollback"
    fi
    say "$SERVICE is $(systemctl is-active "$SERVICE")"
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
        # The service user may not be able to enter the caller's directory.
        cd /
        exec timeout 180 runuser -u "$SERVICE_USER" -- "$CLI_LINK" selftest --board "$board" "${config[@]}"
    )
}

prune_releases() {
    local keep_current=$1 keep_previous=$2 dir
    # Also the leftovers of an interrupted run (.old.*, .staging.*), but not this run's staging directory.
    for dir in "$RELEASES"/* "$RELEASES"/.old.* "$RELEASES"/.staging.*; do
        [[ -d $dir ]] || continue
        if [[ $dir != "$keep_current" && $dir != "$keep_previous" && $dir != "$staging" ]]; then
            rm -rf -- "$dir"
        fi
    done
}

install_release() {
    local bundle=$1 name version stage release target current previous file selftest_status=0
    [[ -f $bundle ]] || die "bundle not found: $bundle"
    [[ -r $bundle ]] || die "bundle not readable: $bundle"
    bundle=$(readlink -f -- "$bundle")
    name=$(basename -- "$bundle")
    if [[ ! $name =~ $BUNDLE_PATTERN ]]; then
        die "$name is not named edgebci-firmware-<version>-linux-arm64.tar.gz (the name make publish gives it)"
    fi
    version=${BASH_REMATCH[1]}
    if [[ -n ${BOARD:-} ]]; then
        # The board profiles in hardware/boards/; a new profile has to be added here too.
        case $BOARD in
            rpi4 | rpi5 | jetson-orin-nano | emulator) ;;
            *) die "BOARD=$BOARD is not a known board; use rpi4, rpi5, jetson-orin-nano or emulator" ;;
        esac
    fi
    for file in "$SERVICE.service" 99-edgebci.rules; do
        [[ -f $here/$file ]] || die "$file not found next to install.sh ($here); copy the whole deploy/ directory"
    done

    say "installing EdgeBci $version from $name"
    verify_checksum "$bundle"

    # Everything that can fail is done in a staging directory on the same file system, before the service
    # is touched, so that a bad bundle leaves the running release alone.
    install -d -m 0755 "$PREFIX" "$RELEASES"
    staging=$(mktemp -d "$RELEASES/.staging.XXXXXX")
    stage=$staging/unpacked
    release=$staging/release
    mkdir -p "$stage" "$release"
    if ! tar -xzf "$bundle" -C "$stage" --no-same-owner; then
        die "cannot unpack $name (damaged or not a gzip tarball)"
    fi
    [[ -x $stage/firmware/linux-arm64/EdgeBci.Firmware ]] ||
        die "$name has no firmware/linux-arm64/EdgeBci.Firmware; build the bundle with make publish"
    [[ -x $stage/cli/linux-arm64/edgebci ]] ||
        die "$name has no cli/linux-arm64/edgebci; build the bundle with make publish"
    check_elf_aarch64 "$stage/firmware/linux-arm64/EdgeBci.Firmware"
    check_elf_aarch64 "$stage/cli/linux-arm64/edgebci"
    mv -T -- "$stage/firmware/linux-arm64" "$release/firmware"
    mv -T -- "$stage/cli/linux-arm64" "$release/cli"
    install -d -m 0755 "$release/deploy"
    install -m 0644 -- "$here/$SERVICE.service" "$here/99-edgebci.rules" "$release/deploy/"
    ln -sfn -- "$PRODUCTION_JSON" "$release/firmware/appsettings.Production.json"
    chown -R root:root "$release"
    chmod -R u+rwX,go+rX,go-w "$release"

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
    else
        say "no BOARD given; the unit keeps $(grep -m1 '^EDGEBCI_Board=' "$ENV_FILE" || echo 'the default Board=emulator') ($ENV_FILE)"
    fi

    current=$(current_release)
    previous=$(previous_release)
    target=$RELEASES/$version

    stop_service
    if [[ -e $target ]]; then
        # Reinstalling a version already on the unit: move the old copy aside, delete it once the new one runs.
        mv -T -- "$target" "$RELEASES/.old.$version.$$"
    fi
    mv -T -- "$release" "$target"
    install_system_files "$target"

    if [[ -n $current && $current != "$target" ]]; then
        previous=$current
        flip_link "$previous" "$PREFIX/previous"
    fi
    flip_link "$target/firmware" "$PREFIX/firmware"
    flip_link "$target/cli" "$PREFIX/cli"
    flip_link "$PREFIX/cli/edgebci" "$CLI_LINK"
    say "current release: $target${previous:+ (previous: $(basename -- "$previous"))}"

    # Before the service starts: the firmware and the self-test cannot both hold the SPI bus and DRDY line.
    if [[ -n ${BOARD:-} ]]; then
        if run_selftest "$BOARD"; then
            say "selftest passed"
        else
            selftest_status=$?
            warn "selftest FAILED (exit $selftest_status); the service is started anyway, check its log"
        fi
    fi

    start_service
    prune_releases "$target" "${previous:-}"
    say "installed EdgeBci $version; logs: journalctl -u $SERVICE -f"
    if [[ $selftest_status -ne 0 ]]; then
        exit 1
    fi
}

rollback() {
    local current previous
    current=$(current_release)
    previous=$(previous_release)
    [[ -n $current ]] || die "nothing is installed under $PREFIX"
    [[ -n $previous && -d $previous ]] || die "no previous release to roll back to ($PREFIX/previous is missing)"
    [[ -x $previous/firmware/EdgeBci.Firmware && -x $previous/cli/edgebci ]] ||
        die "the previous release $previous is incomplete; install a bundle instead"
    [[ $previous != "$current" ]] || die "the previous release is the current one ($current)"

    say "rolling back from $(basename -- "$current") to $(basename -- "$previous")"
    stop_service
    if [[ -d $previous/deploy ]]; then
        install_system_files "$previous"
    fi
    flip_link "$previous/firmware" "$PREFIX/firmware"
    flip_link "$previous/cli" "$PREFIX/cli"
    # The release rolled away from becomes the one a second --rollback returns to.
    flip_link "$current" "$PREFIX/previous"
    start_service
    say "rolled back to EdgeBci $(basename -- "$previous")"
}

main() {
    if [[ $# -ne 1 ]]; then
        usage >&2
        exit 2
    fi
    case $1 in
        -h | --help)
            usage
            exit 0
            ;;
    esac
    check_root "$@"
    check_architecture
    command -v systemctl >/dev/null 2>&1 || die "systemd is required (systemctl not found)"

    exec 9>"$LOCK_FILE"
    flock --nonblock 9 || die "another install.sh is running"
    trap cleanup EXIT

    case $1 in
        --rollback) rollback ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) install_release "$1" ;;
    esac
}

main "$@"
