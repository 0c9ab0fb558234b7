#!/usr/bin/env bash
# Builds eddy-broker: Debian's librdkafka source (the version of the installed
# librdkafka-dev) + broker/patches/*.patch, as a small static library, linked
# with broker/eddy_broker.c. Also builds eddy-txn-probe (broker/txn_probe.c),
# the killable transactional producer the broker tests use.
#
# Idempotent and cached: does nothing when .build-broker/bin is newer than the
# patches, the C sources and this script. Output: .build-broker/bin/.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.build-broker
bin=$out/bin
inputs=(broker/build.sh broker/eddy_broker.c broker/txn_probe.c broker/patches/*.patch)

up_to_date() {
    local f target
    for target in "$bin/eddy-broker" "$bin/eddy-txn-probe"; do
        [ -x "$target" ] || return 1
        for f in "${inputs[@]}"; do
            [ "$target" -nt "$f" ] || return 1
        done
    done
}

# One build at a time (tests and scripts may call this concurrently).
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

if up_to_date; then
    echo "==> eddy-broker is up to date ($bin/eddy-broker)"
    exit 0
fi

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

version=$(dpkg-query -W -f='${Version}' librdkafka-dev 2>/dev/null || true)
if [ -z "$version" ]; then
    echo "error: librdkafka-dev is not installed; run: bash scripts/setup.sh" >&2
    exit 1
fi
upstream=${version%-*}
upstream=${upstream#*:}

# The source package needs a deb-src entry; add Debian's if there is none.
has_deb_src() {
    grep -rqsE '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src' \
        /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
if ! has_deb_src; then
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    echo "==> adding a deb-src entry for Debian $codename"
    $SUDO tee /etc/apt/sources.list.d/eddy-deb-src.sources >/dev/null <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    $SUDO apt-get update -qq >/dev/null
fi

src="$out/librdkafka-$upstream"
lib="$src/src/librdkafka.a"
lib_up_to_date() {
    local p
    [ -f "$lib" ] || return 1
    for p in broker/patches/*.patch; do
        [ "$lib" -nt "$p" ] || return 1
    done
}

mkdir -p "$out/debian-source"
dsc="$out/debian-source/librdkafka_${version#*:}.dsc"
if lib_up_to_date; then
    echo "==> patched librdkafka $version is up to date"
elif [ ! -f "$dsc" ]; then
    echo "==> fetching Debian's librdkafka $version source"
    fetch_source() {
        (cd "$out/debian-source" &&
            apt-get source --download-only -qq "librdkafka=$version" 2>&1 |
            grep -v -e 'unsandboxed as root' -e '^Reading' -e '^NOTICE' -e '^Please use' -e '^git clone' -e '^$' || true)
    }
    fetch_source
    if [ ! -f "$dsc" ]; then
        echo "==> refreshing apt's source lists and retrying"
        $SUDO apt-get update -qq >/dev/null
        fetch_source
    fi
    if [ ! -f "$dsc" ]; then
        echo "error: could not download librdkafka $version source (apt-get source);" \
            "check the deb-src entry and run apt-get update" >&2
        exit 1
    fi
fi

start=$(date +%s)
if ! lib_up_to_date; then
    rm -rf "$src"
    echo "==> unpacking and patching librdkafka $version"
    dpkg-source --no-check -x "$dsc" "$src" >/dev/null
    for p in broker/patches/*.patch; do
        patch -d "$src" -p1 --batch --quiet --fuzz=0 <"$p"
    done

    echo "==> building static librdkafka (minimal features)"
    (cd "$src" &&
        ./configure --disable-ssl --disable-gssapi --disable-zstd --disable-curl \
            --disable-lz4-ext --disable-zlib --disable-syslog >eddy-configure.log 2>&1 ||
        { cat eddy-configure.log >&2; exit 1; })
    make -C "$src/src" -j"$(nproc)" librdkafka.a >"$src/eddy-make.log" 2>&1 ||
        { tail -n 40 "$src/eddy-make.log" >&2; exit 1; }
fi

echo "==> linking eddy-broker and eddy-txn-probe"
mkdir -p "$bin"
cflags=(-O2 -Wall -Wextra -Wno-unused-parameter -I"$src/src")
libs=("$lib" -lpthread -lm -ldl)
cc "${cflags[@]}" -o "$bin/eddy-broker.tmp" broker/eddy_broker.c "${libs[@]}"
cc "${cflags[@]}" -o "$bin/eddy-txn-probe.tmp" broker/txn_probe.c "${libs[@]}"
mv "$bin/eddy-broker.tmp" "$bin/eddy-broker"
mv "$bin/eddy-txn-probe.tmp" "$bin/eddy-txn-probe"
echo "==> built $bin/eddy-broker in $(($(date +%s) - start)) s"
