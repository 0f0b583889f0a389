#!/usr/bin/env bash
# Make a working Pulumi CLI (plus the Python language host and helper scripts) available.
#
# Order: 1) a `pulumi` on PATH that meets the required version, 2) a build cached by an earlier
# run, 3) a fresh build from the Go module proxy into a cache folder outside the repo.
# Prints the bin directory to use on its last line of stdout (progress goes to stderr).
# Only the Go module proxy is contacted (through the ordinary `go` client).
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
MIN_VERSION="${PULUMI_MIN_VERSION:-3.274.0}"
CACHE_ROOT="${IMS_CALLBACKS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ims-callbacks}"
PULUMI_ROOT="$CACHE_ROOT/pulumi/$PULUMI_VERSION"
BIN="$PULUMI_ROOT/bin"
NEEDED=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python)

log() { printf '[install-pulumi] %s\n' "$*" >&2; }

version_ok() {  # $1 = "vX.Y.Z" or "X.Y.Z"
  local have="${1#v}"
  [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$MIN_VERSION" "${have%%-*}" | sort -V | head -n1)" = "$MIN_VERSION" ]
}

complete_dir() {  # $1 = a bin directory holding all four files
  local f
  for f in "${NEEDED[@]}"; do [ -x "$1/$f" ] || return 1; done
}

# 1) a CLI already on PATH, with the language host beside it
if [ "${IMS_CALLBACKS_IGNORE_PATH_PULUMI:-}" != "1" ] && command -v pulumi >/dev/null 2>&1; then
  onpath="$(dirname "$(readlink -f "$(command -v pulumi)")")"
  have="$(pulumi version 2>/dev/null || true)"
  if version_ok "$have" && complete_dir "$onpath"; then
    log "using pulumi $have from PATH ($onpath)"
    echo "$onpath"; exit 0
  fi
  log "pulumi on PATH ($have, $onpath) is older than $MIN_VERSION or lacks the Python host; not using it"
fi

# 2) a cached build
if complete_dir "$BIN" && version_ok "$("$BIN/pulumi" version 2>/dev/null || true)"; then
  log "using cached pulumi $PULUMI_VERSION ($BIN)"
  echo "$BIN"; exit 0
fi

# 3) build from the Go module proxy
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
[install-pulumi] ERROR: no usable Pulumi CLI (>= $MIN_VERSION) on PATH, none cached in $BIN,
and no Go toolchain to build one. Install Pulumi one of these ways, then rerun:
  - official installer:  curl -fsSL https://get.pulumi.com | sh
  - Homebrew:            brew install pulumi/tap/pulumi
  - Chocolatey/winget:   choco install pulumi   |   winget install pulumi
  - or install Go >= 1.26 (https://go.dev/dl/) and rerun this script to build $PULUMI_VERSION.
MSG
  exit 1
fi

log "building pulumi $PULUMI_VERSION from the Go module proxy into $PULUMI_ROOT"
log "a cold build downloads ~0.5 GB of modules and compiles for 10-30 minutes on 2 cores; later runs reuse the cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export GOFLAGS="-mod=mod ${GOFLAGS:-}"
go mod init pulumi-cli-build >/dev/null 2>&1
step() { log "[$1/4] $2"; }
step 1 "resolving github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION (download progress below)"
go get -x github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@"$PULUMI_VERSION" \
       github.com/pulumi/pulumi/sdk/v3@"$PULUMI_VERSION" 2>&1 \
  | grep --line-buffered -E '^# get .*\.zip$' | sed -u 's/^# get /[install-pulumi]   fetch /' >&2 || true
go list -m github.com/pulumi/pulumi/pkg/v3 >/dev/null  # fails loudly if the get failed

mkdir -p "$BIN.partial"
LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
build() {
  local start=$SECONDS
  ( while sleep 60; do log "    ... still compiling ($(( (SECONDS - start) / 60 )) min)"; done ) &
  local ticker=$!
  CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDFLAGS" -o "$BIN.partial/" "$1" \
    || { kill "$ticker"; return 1; }
  kill "$ticker" 2>/dev/null || true
  log "    done in $(( SECONDS - start )) s"
}

step 2 "compiling the pulumi CLI"
build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
step 3 "resolving and compiling the Python language host (pulumi-language-python)"
# The host is its own Go module without tags, so only pseudo-versions exist. If the proxy tells
# the commit of the CLI tag, the host at that commit is built against the same pkg/sdk. The
# module proxy reachable here does not (no Origin in .info) and serves only known
# pseudo-versions, so we fall back to the newest one known to be served and build it against
# the pkg/sdk release of its own time, in a separate wrapper module (it does not compile against
# pkg v3.274). Language hosts talk to the CLI over a versioned gRPC protocol (the Java and .NET
# hosts ship on their own release cycles), and this pairing is exercised by tests/engine.
# That pseudo-version is not in the public checksum database, so GONOSUMDB names that one path.
HOST_MOD=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python"
SHA="$(go mod download -json github.com/pulumi/pulumi/sdk/v3@"$PULUMI_VERSION" \
       | python3 -c 'import json,sys; print(json.load(sys.stdin).get("Origin",{}).get("Hash",""))')"
if [ -n "$SHA" ]; then
  HOST_VERSION="$SHA"; HOST_PKG="$PULUMI_VERSION"
else
  HOST_VERSION="${LANGUAGE_HOST_VERSION:-v3.0.0-20250806165243-bee5e4fa4815}"
  HOST_PKG="${LANGUAGE_HOST_PKG_VERSION:-v3.188.0}"
  mkdir -p "$work/host" && cd "$work/host" && go mod init pulumi-language-host-build >/dev/null 2>&1
fi
log "    language host $HOST_VERSION built against pkg/sdk $HOST_PKG"
go get "$HOST_MOD@$HOST_VERSION" github.com/pulumi/pulumi/pkg/v3@"$HOST_PKG" \
       github.com/pulumi/pulumi/sdk/v3@"$HOST_PKG" >&2
LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$HOST_PKG"
build "$HOST_MOD"
cd "$work"

step 4 "copying the bundled helper scripts from the sdk/v3 module"
SDK_DIR="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$SDK_DIR/python/dist/pulumi-resource-pulumi-python" "$BIN.partial/"
install -m 0755 "$SDK_DIR/python/cmd/pulumi-language-python-exec" "$BIN.partial/"
rm -rf "$BIN"
mv "$BIN.partial" "$BIN"
log "installed: $("$BIN/pulumi" version) in $BIN"
echo "$BIN"
