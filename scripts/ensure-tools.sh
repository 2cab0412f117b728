#!/usr/bin/env bash
# Install the outside tools the tests drive, when missing: Debian's Chromium
# for the browser tests and the openssl CLI that checks our certificates, CRLs
# and OCSP answers. Safe to run again; does nothing when all are there.
set -euo pipefail

apt_install() {
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    if ! $sudo apt-get install -y --no-install-recommends "$@"; then
        $sudo apt-get update
        $sudo apt-get install -y --no-install-recommends "$@"
    fi
}

if ! command -v "${ONSHI_TEST_CHROMIUM:-chromium}" >/dev/null 2>&1; then
    echo "== installing chromium (Debian package) for the browser tests"
    apt_install chromium
fi

if ! command -v openssl >/dev/null 2>&1; then
    echo "== installing openssl (Debian package) for the PKI tests"
    apt_install openssl
fi
