#!/usr/bin/env bash
# Install the outside tools the tests drive, when missing: Debian's Chromium
# for the browser tests, the openssl CLI that checks our certificates, CRLs
# and OCSP answers, and the PC/SC stack the card emulator is tested in
# (pcscd, vsmartcard-vpcd's virtual reader, OpenSC's pkcs15-tool, and the
# pcsc-lite headers the `pcsc` feature links against). Safe to run again;
# does nothing when all are there.
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

# A Debian package counts as there when dpkg has it installed.
installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

pcsc_missing=()
for package in pcscd vsmartcard-vpcd opensc libpcsclite-dev; do
    installed "$package" || pcsc_missing+=("$package")
done
if [ "${#pcsc_missing[@]}" -gt 0 ]; then
    echo "== installing ${pcsc_missing[*]} (Debian packages) for the card's PC/SC tests"
    apt_install "${pcsc_missing[@]}"
fi

# The printed notices (資格確認書, 資格情報のお知らせ) embed a Japanese font
# from Debian's IPAex Gothic; their tests read the PDFs back with poppler's
# pdftotext and pdftoppm.
notice_missing=()
for package in fonts-ipaexfont-gothic poppler-utils; do
    installed "$package" || notice_missing+=("$package")
done
if [ "${#notice_missing[@]}" -gt 0 ]; then
    echo "== installing ${notice_missing[*]} (Debian packages) for the printed notices' tests"
    apt_install "${notice_missing[@]}"
fi
