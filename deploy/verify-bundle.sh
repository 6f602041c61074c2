#!/usr/bin/env bash
# Verifies a signed EdgeBci release bundle; sourced by install.sh, from the same folder, before anything the bundle
# brought runs. Everything here uses only what a stock Debian unit has: openssl, sha256sum, tar, coreutils.
#
# The caller provides: refuse <line> [<hint>] (prints "refused: <line>" and exits 3), say <text>, TRUST_DIR (the
# folder of trusted *.pub.pem keys) and staging (a private scratch folder). The contract of every refusal line is
# deploy/README.md's; the firmware's own check of its slot (EdgeBci.Release ReleaseVerifier) words them the same.

# linux-arm64 for aarch64, linux-x64 for x86_64; the rid a bundle must have to run here.
unit_rid() {
    case $(uname -m) in
        aarch64) printf linux-arm64 ;;
        x86_64) printf linux-x64 ;;
    esac
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

# The whole verification of an unpacked bundle in <stage>, in this order: signature by a trusted key, the manifest's
# lines, every listed file's size and sha256, no unlisted file, rid, board (empty: any), not older than <installed>
# (empty: nothing installed) unless <allow_downgrade> is yes. Refuses (exit 3) on the first failure.
#   verify_bundle <name> <stage> <version from the name> <rid from the name> <board> <installed> <allow_downgrade>
verify_bundle() {
    local name=$1 stage=$2 name_version=$3 name_rid=$4 board=$5 installed=$6 allow_downgrade=$7
    local alg keyid b64 key="" file count=0 i actual unit
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
    if [[ -n $board ]]; then
        [[ " $manifest_boards " == *" $board "* ]] || refuse "$name does not list board $board (boards: $manifest_boards)"
    else
        say "no board set; the bundle's boards are $manifest_boards"
    fi
    if [[ -n $installed ]] && version_older "$manifest_version" "$installed"; then
        if [[ $allow_downgrade != yes ]]; then
            refuse "$name is version $manifest_version, older than the installed $installed (use --allow-downgrade to install it anyway)"
        fi
        say "downgrading from $installed to $manifest_version (--allow-downgrade)"
    fi
    say "verified: $name $manifest_version signed by $keyid"
}
