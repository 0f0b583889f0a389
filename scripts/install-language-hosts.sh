#!/usr/bin/env bash
# Build the Pulumi language hosts that the non-Python checks need, from the Go module proxy:
#   pulumi-language-yaml    runs a YAML program that uses the ims package (tests/engine)
#   pulumi-language-nodejs  lets `pulumi package gen-sdk --language nodejs` write the TypeScript SDK
# Cached outside the repo like the CLI (scripts/install-pulumi.sh); prints the bin directory on its
# last line of stdout (progress goes to stderr). Only the Go module proxy is contacted.
set -euo pipefail

YAML_VERSION="${PULUMI_YAML_VERSION:-v1.25.0}"
# The Node.js host is a Go module without tags; the proxy reachable here serves this
# pseudo-version, which builds against the pkg/sdk release of its own time (as the Python host
# does in install-pulumi.sh).
NODEJS_HOST_VERSION="${NODEJS_HOST_VERSION:-v3.0.0-20250806165243-bee5e4fa4815}"
NODEJS_HOST_PKG="${NODEJS_HOST_PKG_VERSION:-v3.188.0}"
CACHE_ROOT="${IMS_CALLBACKS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ims-callbacks}"
BIN="$CACHE_ROOT/language-hosts/yaml-$YAML_VERSION-nodejs-${NODEJS_HOST_VERSION##*-}/bin"

log() { printf '[install-language-hosts] %s\n' "$*" >&2; }

if [ -x "$BIN/pulumi-language-yaml" ] && [ -x "$BIN/pulumi-language-nodejs" ]; then
  log "using cached language hosts ($BIN)"
  echo "$BIN"; exit 0
fi
command -v go >/dev/null 2>&1 || { log "ERROR: Go >= 1.26 is needed to build the language hosts"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOFLAGS="-mod=mod ${GOFLAGS:-}"
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs"
mkdir -p "$BIN.partial"

log "[1/2] pulumi-language-yaml $YAML_VERSION"
GOBIN="$BIN.partial" CGO_ENABLED=0 go install -trimpath \
  "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$YAML_VERSION" >&2

log "[2/2] pulumi-language-nodejs $NODEJS_HOST_VERSION (against pkg/sdk $NODEJS_HOST_PKG)"
cd "$work" && go mod init language-host-build >/dev/null 2>&1
HOST_MOD=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
go get "$HOST_MOD@$NODEJS_HOST_VERSION" github.com/pulumi/pulumi/pkg/v3@"$NODEJS_HOST_PKG" \
       github.com/pulumi/pulumi/sdk/v3@"$NODEJS_HOST_PKG" >&2
CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$NODEJS_HOST_PKG" \
  -o "$BIN.partial/" "$HOST_MOD" >&2

rm -rf "$BIN"
mv "$BIN.partial" "$BIN"
log "installed in $BIN"
echo "$BIN"
