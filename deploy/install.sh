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

# linux-arm64 for aarch64, linux-x64 for x86_64; the rid a bundle must have to run here.
unit_rid() {
    case $(uname -m) in
        aarch64) printf linux-arm64 ;;
        x86_64) printf linux-x64 ;;
    esac
}

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

# Succeeds when version $1 is older than $2: numeric parts as sort -V, and a prerelease before its release.
version_older() {
    local a=$1 b=$2 a_num=${1%%-*} b_num=${2%%-*} first
    [[ $a == "$b" ]] && return 1
    if [[ $a_num != "$b_num" ]]; then
        first=$(printf '%s\n%s\n' "$a_num" "$b_num" | sort -V | head -n 1)
        [[ $first == "$a_num" ]]
        return
    fi
    [[ $a == "$a_num" ]] && return 1
    [[ $b == "$b_num" ]] && return 0
    first=$(printf '%s\n%s\n' "$a" "$b" | sort -V | head -n 1)
    [[ $first == "$a" ]]
}

# The key id of a public key file: SHA-256 of the raw 32-byte key (the DER's last 32 bytes), first 8 bytes in hex.
key_id_of() {
    openssl pkey -pubin -in "$1" -outform DER 2>/dev/null | tail -c 32 | sha256sum | cut -c1-16
}

# Only regular files and folders with relative paths, before anything is unpacked.
check_entries() {
    local bundle=$1 name=$2 listing type path
    listing=$(tar -tvzf "$bundle" 2>/dev/null) || refuse "$name: cannot be read as a gzip tar (damaged or not a bundle)"
    while IFS= read -r line; do
        type=${line:0:1}
        path=$(awk '{ $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' <<<"$line")
        if [[ $type != - && $type != d ]]; then
            refuse "$name: ${path%% -> *} is not a regular file or folder (links and devices are not allowed in a bundle)"
        fi
        if [[ $path == /* || /$path/ == */../* ]]; then
            refuse "$name: $path is not a relative path inside the bundle"
        fi
    done <<<"$listing"
}

# manifest.txt's fixed lines and file lines; fills the arrays listed_paths, listed_sizes, listed_hashes and the
# variables manifest_version, manifest_rid, manifest_boards.
parse_manifest() {
    local name=$1 manifest=$2 n=0 line previous_path="" hash size path
    # File lines are sorted by ordinal path: [[ < ]] compares in the collation of LC_ALL.
    local LC_ALL=C
    listed_paths=() listed_sizes=() listed_hashes=()
    if grep -q $'\r' "$manifest"; then
        refuse "$name: manifest.txt line $(grep -n $'\r' "$manifest" | head -n 1 | cut -d: -f1): carriage return (LF line ends only)"
    fi
    while IFS= read -r line || [[ -n $line ]]; do
        n=$((n + 1))
        if [[ $line =~ [[:space:]]$ ]]; then
            refuse "$name: manifest.txt line $n: trailing space"
        fi
        case $n in
            1) [[ $line == "edgebci-release 1" ]] || refuse "$name: manifest.txt line 1: expected \"edgebci-release 1\", found \"$line\"" ;;
            2) [[ $line =~ ^version\ ([0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?)$ ]] ||
                refuse "$name: manifest.txt line 2: expected \"version MAJOR.MINOR.PATCH[-prerelease]\", found \"$line\""
               manifest_version=${BASH_REMATCH[1]} ;;
            3) [[ $line =~ ^commit\ [0-9a-z]+$ ]] || refuse "$name: manifest.txt line 3: expected \"commit <git commit or unknown>\", found \"$line\"" ;;
            4) [[ $line =~ ^rid\ (linux-arm64|linux-x64)$ ]] || refuse "$name: manifest.txt line 4: expected \"rid linux-arm64|linux-x64\", found \"$line\""
               manifest_rid=${BASH_REMATCH[1]} ;;
            5) [[ $line =~ ^boards\ ([a-z0-9-]+( [a-z0-9-]+)*)$ ]] || refuse "$name: manifest.txt line 5: expected \"boards <name> ...\", found \"$line\""
               manifest_boards=${BASH_REMATCH[1]} ;;
            6) [[ $line =~ ^created\ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
                refuse "$name: manifest.txt line 6: expected \"created YYYY-MM-DDTHH:MM:SSZ\", found \"$line\"" ;;
            *)
                [[ $line =~ ^file\ ([0-9a-f]{64})\ ([0-9]+)\ ([A-Za-z0-9._+/-]+)$ ]] ||
                    refuse "$name: manifest.txt line $n: expected \"file <sha256> <size> <path>\", found \"$line\""
                hash=${BASH_REMATCH[1]} size=${BASH_REMATCH[2]} path=${BASH_REMATCH[3]}
                if [[ /$path/ == */../* || /$path/ == */./* || $path == /* || $path == */ || $path == *//* ]]; then
                    refuse "$name: manifest.txt line $n: $path is not a plain relative path"
                fi
                if [[ $path == manifest.txt || $path == manifest.sig ]]; then
                    refuse "$name: manifest.txt line $n: $path cannot be listed"
                fi
                if [[ -n $previous_path && ! $previous_path < "$path" ]]; then
                    refuse "$name: manifest.txt line $n: $path is out of order or listed twice (file lines are sorted by path)"
                fi
                previous_path=$path
                listed_paths+=("$path") listed_sizes+=("$size") listed_hashes+=("$hash")
                ;;
        esac
    done <"$manifest"
    ((n >= 6)) || refuse "$name: manifest.txt line $((n + 1)): missing (the manifest ends after $n lines)"
}

# The whole verification of an unpacked bundle in <stage>. Refuses (exit 3) on the first failure.
verify_bundle() {
    local name=$1 stage=$2 name_version=$3 name_rid=$4 alg keyid b64 key="" file count=0 i actual unit board installed
    [[ -f $stage/manifest.sig ]] || refuse "$name is not signed (no manifest.sig)"
    [[ -f $stage/manifest.txt ]] || refuse "$name: manifest.txt line 1: missing (the bundle has no manifest.txt)"
    read -r alg keyid b64 <"$stage/manifest.sig" || true
    if [[ $alg != ed25519 || ! $keyid =~ ^[0-9a-f]{16}$ || -z $b64 ]]; then
        refuse "$name: manifest.sig is not a signature file (expected one line \"ed25519 <16 hex key id> <base64 signature>\")"
    fi
    shopt -s nullglob
    local trusted=("$TRUST_DIR"/*.pub.pem)
    shopt -u nullglob
    if [[ ${#trusted[@]} -eq 0 ]]; then
        refuse "$name is signed by key $keyid, which this unit does not trust (no trusted keys in $TRUST_DIR)" \
            "provision the unit first: copy the release public key(s) <name>.pub.pem into $TRUST_DIR (root, 0644)"
    fi
    for file in "${trusted[@]}"; do
        count=$((count + 1))
        if [[ $(key_id_of "$file") == "$keyid" ]]; then
            key=$file
        fi
    done
    [[ -n $key ]] || refuse "$name is signed by key $keyid, which this unit does not trust ($count trusted key(s) in $TRUST_DIR)"
    if ! printf '%s' "$b64" | base64 -d >"$staging/signature.bin" 2>/dev/null ||
        ! openssl pkeyutl -verify -pubin -inkey "$key" -rawin -in "$stage/manifest.txt" -sigfile "$staging/signature.bin" >/dev/null 2>&1; then
        refuse "$name: the signature does not match manifest.txt (tampered or corrupted after signing)"
    fi
    say "manifest.txt signed by trusted key $keyid ($(basename -- "$key"))"

    parse_manifest "$name" "$stage/manifest.txt"
    [[ $manifest_version == "$name_version" ]] || refuse "$name: manifest.txt line 2: version $manifest_version does not match the bundle's name ($name_version)"
    [[ $manifest_rid == "$name_rid" ]] || refuse "$name: manifest.txt line 4: rid $manifest_rid does not match the bundle's name ($name_rid)"

    for i in "${!listed_paths[@]}"; do
        file=$stage/${listed_paths[$i]}
        [[ -f $file && ! -L $file ]] || refuse "$name: ${listed_paths[$i]} is listed in the manifest but missing"
        actual=$(stat -c %s -- "$file")
        [[ $actual == "${listed_sizes[$i]}" ]] ||
            refuse "$name: ${listed_paths[$i]} differs from the manifest (size $actual, manifest says ${listed_sizes[$i]}) (tampered or corrupted)"
    done
    for i in "${!listed_paths[@]}"; do
        printf '%s  %s\n' "${listed_hashes[$i]}" "${listed_paths[$i]}"
    done >"$staging/sha256sums"
    if ! (cd -- "$stage" && sha256sum --check --quiet --strict "$staging/sha256sums" >"$staging/sha256.out" 2>&1); then
        file=$(sed -n 's/: FAILED$//p' "$staging/sha256.out" | head -n 1)
        refuse "$name: ${file:-a listed file} differs from the manifest (sha256) (tampered or corrupted)"
    fi
    local -A listed=()
    for file in "${listed_paths[@]}"; do
        listed[$file]=1
    done
    while IFS= read -r file; do
        file=${file#./}
        [[ $file == manifest.txt || $file == manifest.sig ]] && continue
        [[ -n ${listed[$file]:-} ]] || refuse "$name: $file is not in the manifest"
    done < <(cd -- "$stage" && find . -mindepth 1 ! -type d | LC_ALL=C sort)

    unit=$(unit_rid)
    [[ $manifest_rid == "$unit" ]] || refuse "$name is built for $manifest_rid, but this unit is $(uname -m)"
    board=${BOARD:-$(sed -n 's/^EDGEBCI_Board=//p' "$ENV_FILE" 2>/dev/null | tail -n 1)}
    if [[ -n $board ]]; then
        [[ " $manifest_boards " == *" $board "* ]] || refuse "$name does not list board $board (boards: $manifest_boards)"
    else
        say "no board set (BOARD or $ENV_FILE); the bundle's boards are $manifest_boards"
    fi
    installed=$(installed_version)
    if [[ -n $installed ]] && version_older "$manifest_version" "$installed"; then
        if [[ $allow_downgrade != yes ]]; then
            refuse "$name is version $manifest_version, older than the installed $installed (use --allow-downgrade to install it anyway)"
        fi
        say "downgrading from $installed to $manifest_version (--allow-downgrade)"
    fi
    say "verified: $name $manifest_version signed by $keyid"
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
    verify_bundle "$name" "$stage" "$version" "$rid"

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
