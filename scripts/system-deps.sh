#!/usr/bin/env bash
# Install Debian packages, only those missing: the ones named as arguments, or by default
# all that the test suite drives.
set -euo pipefail
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(chromium postgresql redis-server fonts-noto-cjk fonts-wqy-zenhei poppler-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
