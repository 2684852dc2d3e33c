#!/usr/bin/env bash
# The Debian/Ubuntu packages golive's tests need, installed only when missing:
#   postgresql  real PostgreSQL server for the database probes (tests/pgserver.py)
#   openssl     throwaway CA and certificates for the HTTPS probe's tests
#   chromium    headless browser that opens the HTML report (tests/test_html_report.py)
#   poppler-utils  pdftotext, to read the PDF Chromium prints (tests/test_report_export.py)
#   openssh-client ssh-keygen, the other side of golive's signatures (tests/test_signing.py)
# Idempotent: does nothing (not even apt-get update) when everything is installed.
set -euo pipefail

PACKAGES=(postgresql openssl chromium poppler-utils openssh-client)

missing=()
for package in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "system packages present: ${PACKAGES[*]}"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing system packages: ${missing[*]} (no apt-get here: install them by hand)" >&2
    exit 1
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "missing system packages: ${missing[*]}; run this script as root" >&2
        exit 1
    fi
    sudo=(sudo)
fi

echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
