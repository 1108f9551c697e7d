#!/usr/bin/env bash
# Creates the project's virtual environment and installs everything dramaline needs into it.
# Debian packages the project needs are listed in scripts/apt-packages.txt (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

apt_install() {
    if [ "$#" -eq 0 ]; then return 0; fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

missing=()
if [ -f scripts/apt-packages.txt ]; then
    while read -r pkg; do
        [ -z "$pkg" ] || [ "${pkg:0:1}" = "#" ] && continue
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done < scripts/apt-packages.txt
fi
apt_install "${missing[@]+"${missing[@]}"}"

if [ ! -x "$VENV/bin/python" ]; then
    # Debian's python3 needs python3-venv for ensurepip; install it only when venv cannot start.
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        apt_install python3-venv
        "$PYTHON" -m venv "$VENV"
    fi
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e '.[dev]'
echo "dramaline installed in $VENV"
