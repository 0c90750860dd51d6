#!/usr/bin/env bash
# Sets up everything apcv-hil needs on Debian 12: system packages (apt-get, when missing)
# and a .venv built from the system Python 3.11 with the project installed in it.
# Idempotent: a second run only checks. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(python3-venv python3-dev build-essential tshark pcscd vsmartcard-vpcd pcsc-tools
                 opensc libpcsclite-dev swig libzbar0 postgresql python3-tk xvfb imagemagick
                 chromium chromium-driver openssh-client socat)
PYTHON=${PYTHON:-/usr/bin/python3}
VENV=.venv
STAMP=$VENV/.setup-stamp

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    echo "setup: installing apcv-hil and its Python dependencies into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[all,dev,keyboard]"
    touch "$STAMP"
fi
echo "setup: ready ($($VENV/bin/python --version), $(tshark --version 2>/dev/null | head -1 || echo 'no tshark'))"
