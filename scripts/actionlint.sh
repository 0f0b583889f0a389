#!/usr/bin/env bash
# Lint the GitHub workflows with actionlint (https://github.com/rhysd/actionlint).
#
#   scripts/actionlint.sh                 # lint every file in .github/workflows/
#   scripts/actionlint.sh FILE...         # lint these workflow files
#   scripts/actionlint.sh --print-path    # only make sure actionlint exists; print its path
#
# actionlint is located or built the way scripts/install-pulumi.sh does it:
#   1) an `actionlint` on PATH whose version is $ACTIONLINT_VERSION,
#   2) a build cached by an earlier run,
#   3) a fresh `go install` from the Go module proxy into a cache folder outside the repo
#      (${IMS_CALLBACKS_CACHE:-~/.cache/ims-callbacks}/actionlint/<version>/bin).
# Idempotent: later runs reuse the cached binary. The path of the binary is printed (stderr in
# lint mode, stdout with --print-path). Progress goes to stderr.
#
# ShellCheck: actionlint checks every `run:` script with shellcheck when a `shellcheck` is on
# PATH (Debian/Ubuntu: `apt-get install shellcheck`). This script detects and reports whether it
# is there; without it actionlint still runs all its other checks. Set ACTIONLINT_SHELLCHECK=0
# to switch the shellcheck integration off even when it is installed.
# Exit code: actionlint's (0 clean, 1 problems found, >1 failure), or 1 if it cannot be built.
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
CACHE_ROOT="${IMS_CALLBACKS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ims-callbacks}"
BIN_DIR="$CACHE_ROOT/actionlint/$ACTIONLINT_VERSION/bin"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[actionlint] %s\n' "$*" >&2; }

version_of() {  # $1 = an actionlint binary; prints e.g. v1.7.12 (first line of -version)
  "$1" -version 2>/dev/null | head -n1 | tr -d '[:space:]' || true
}

locate() {
  local onpath
  if [ "${IMS_CALLBACKS_IGNORE_PATH_ACTIONLINT:-}" != "1" ] && onpath="$(command -v actionlint 2>/dev/null)"; then
    if [ "$(version_of "$onpath")" = "$ACTIONLINT_VERSION" ]; then
      log "using actionlint $ACTIONLINT_VERSION from PATH"
      printf '%s\n' "$onpath"; return 0
    fi
    log "actionlint on PATH ($onpath, $(version_of "$onpath")) is not $ACTIONLINT_VERSION; not using it"
  fi
  if [ -x "$BIN_DIR/actionlint" ] && [ "$(version_of "$BIN_DIR/actionlint")" = "$ACTIONLINT_VERSION" ]; then
    log "using cached actionlint $ACTIONLINT_VERSION"
    printf '%s\n' "$BIN_DIR/actionlint"; return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "ERROR: actionlint $ACTIONLINT_VERSION is neither on PATH nor cached in $BIN_DIR, and there is"
    log "no Go toolchain to build it. Install Go (https://go.dev/dl/) or actionlint itself"
    log "(https://github.com/rhysd/actionlint/blob/main/docs/install.md), then rerun."
    return 1
  fi
  log "building actionlint $ACTIONLINT_VERSION from the Go module proxy into $BIN_DIR (about a minute)"
  local partial
  partial="$(mktemp -d "${TMPDIR:-/tmp}/actionlint-build.XXXXXX")"
  # Build into a scratch dir and move into place, so an interrupted build never looks cached.
  if ! ( cd "$partial" && GOBIN="$partial" GOFLAGS="-mod=mod ${GOFLAGS:-}" CGO_ENABLED=0 \
         go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2 ); then
    rm -rf "$partial"
    log "ERROR: go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION failed"
    return 1
  fi
  mkdir -p "$BIN_DIR"
  mv -f "$partial/actionlint" "$BIN_DIR/actionlint"
  rm -rf "$partial"
  log "installed $("$BIN_DIR/actionlint" -version | head -n1) in $BIN_DIR"
  printf '%s\n' "$BIN_DIR/actionlint"
}

ACTIONLINT="$(locate)"

if [ "${1:-}" = "--print-path" ]; then
  printf '%s\n' "$ACTIONLINT"
  exit 0
fi

log "actionlint: $ACTIONLINT ($(version_of "$ACTIONLINT"))"

args=(-no-color)
if [ "${ACTIONLINT_SHELLCHECK:-1}" = "0" ]; then
  log "shellcheck: switched off (ACTIONLINT_SHELLCHECK=0)"
  args+=(-shellcheck=)
elif sc="$(command -v shellcheck 2>/dev/null)"; then
  log "shellcheck: $sc ($("$sc" --version 2>/dev/null | sed -n 's/^version: //p')); run: scripts are checked too"
  args+=(-shellcheck="$sc")
else
  log "shellcheck: not found; run: scripts are NOT shellchecked (apt-get install shellcheck to enable)"
  args+=(-shellcheck=)
fi
if ! command -v pyflakes >/dev/null 2>&1; then
  args+=(-pyflakes=)
fi

cd "$REPO_ROOT"
if [ "$#" -eq 0 ]; then
  shopt -s nullglob
  set -- .github/workflows/*.yml .github/workflows/*.yaml
  if [ "$#" -eq 0 ]; then
    log "no workflow files in .github/workflows"; exit 1
  fi
fi
log "checking: $*"
set +e
"$ACTIONLINT" "${args[@]}" "$@"
rc=$?
set -e
if [ "$rc" -eq 0 ]; then log "OK: no problems found"; else log "actionlint exited $rc"; fi
exit "$rc"
