#!/usr/bin/env bash
# Locate or build act (https://github.com/nektos/act), which runs the GitHub workflows locally
# (tests/workflows/act: `make workflows`).
#
#   scripts/install-act.sh     # prints the path of the act binary on its last line of stdout
#
# Order: 1) an `act` on PATH whose version is $ACT_VERSION, 2) a build cached by an earlier run,
# 3) `go install github.com/nektos/act@$ACT_VERSION` from the Go module proxy into a cache folder
# outside the repo (${IMS_CALLBACKS_CACHE:-~/.cache/ims-callbacks}/act/<version>/bin). A cold
# build takes 0.5-2 minutes on 2 cores. Progress goes to stderr.
set -euo pipefail

ACT_VERSION="${ACT_VERSION:-v0.2.89}"
CACHE_ROOT="${IMS_CALLBACKS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ims-callbacks}"
BIN_DIR="$CACHE_ROOT/act/$ACT_VERSION/bin"

log() { printf '[install-act] %s\n' "$*" >&2; }

version_of() {  # $1 = an act binary; prints e.g. v0.2.89
  local v
  v="$("$1" --version 2>/dev/null | awk '{print $NF}' || true)"
  [ -n "$v" ] && printf 'v%s\n' "${v#v}"
}

if [ "${IMS_CALLBACKS_IGNORE_PATH_ACT:-}" != "1" ] && onpath="$(command -v act 2>/dev/null)"; then
  if [ "$(version_of "$onpath")" = "$ACT_VERSION" ]; then
    log "using act $ACT_VERSION from PATH"
    printf '%s\n' "$onpath"; exit 0
  fi
fi

if [ -x "$BIN_DIR/act" ]; then
  printf '%s\n' "$BIN_DIR/act"; exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "ERROR: act $ACT_VERSION is not on PATH or cached in $BIN_DIR, and there is no Go toolchain"
  log "to build it: install Go >= 1.24 (https://go.dev/dl/), or act itself (https://nektosact.com)."
  exit 1
fi

log "building act $ACT_VERSION from the Go module proxy into $BIN_DIR"
mkdir -p "$BIN_DIR"
tmp="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/nektos/act@$ACT_VERSION" >&2
mv "$tmp/act" "$BIN_DIR/act"
log "built $("$BIN_DIR/act" --version)"
printf '%s\n' "$BIN_DIR/act"
