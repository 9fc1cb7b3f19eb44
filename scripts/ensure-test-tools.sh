#!/usr/bin/env bash
# Runs before `npm test`: makes sure the programs the tests call exist, installing the
# Debian packages that provide them when this is a Debian machine and we are root.
set -euo pipefail

# chromium: the site's browser test drives Debian's Chromium through playwright-core.
declare -A package_of=(
  [python3]=python3 [zip]=zip [unzip]=unzip [zipinfo]=unzip [readelf]=binutils [chromium]=chromium [shellcheck]=shellcheck
)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
if ! python3 -m pip --version >/dev/null 2>&1; then missing+=(python3-pip); fi
[ "${#missing[@]}" -eq 0 ] && exit 0

mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages the tests need: ${packages[*]}" >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >&2
else
  echo "the tests need these packages: ${packages[*]} (e.g. sudo apt-get install ${packages[*]})" >&2
  exit 1
fi
