#!/usr/bin/env bash
# Make sure the system tools the test suite needs are installed (today: shellcheck, which
# tests/workflows runs on the composite actions' scripts and actionlint uses for run: steps).
#
#   scripts/install-tools.sh        # install what is missing; quiet and instant when all is there
#
# A missing tool comes from the system's package manager: Debian/Ubuntu `apt-get` (as root, or
# through `sudo -n`), or Homebrew on macOS. `apt-get update` runs only if the first install
# attempt fails (an empty or stale package list). Exit code 0 when every tool is on PATH
# afterwards, 1 otherwise (with the command to run by hand).
set -euo pipefail

TOOLS=(shellcheck)

log() { printf '[install-tools] %s\n' "$*" >&2; }

missing=()
for tool in "${TOOLS[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1
  fi
}

log "missing: ${missing[*]}"
if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
  if ! apt_install; then
    log "apt-get install failed; updating the package lists and trying again"
    if as_root apt-get update -q >&2; then apt_install || true; fi
  fi
elif command -v brew >/dev/null 2>&1; then
  brew install "${missing[@]}" >&2 || true
fi

still=()
for tool in "${missing[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || still+=("$tool")
done
if [ "${#still[@]}" -gt 0 ]; then
  log "ERROR: could not install ${still[*]}. Install by hand, e.g."
  log "  sudo apt-get install ${still[*]}    (Debian/Ubuntu)"
  log "  brew install ${still[*]}            (macOS)"
  exit 1
fi
log "installed: ${missing[*]}"
