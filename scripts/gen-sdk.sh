#!/usr/bin/env bash
# Generate the ims package SDKs (Python, TypeScript) from the provider's schema into sdk/ (or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-sdk}"
pulumi_bin="$(bash scripts/install-pulumi.sh)"
hosts_bin="$(bash scripts/install-language-hosts.sh)"
state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
export PATH="$hosts_bin:$pulumi_bin:$PATH" PULUMI_HOME="$state" PULUMI_SKIP_UPDATE_CHECK=true \
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_BACKEND_URL="file://$state"
rm -rf "$out/python" "$out/nodejs"
for language in python nodejs; do
  pulumi package gen-sdk "$PWD/provider/pulumi-resource-ims" --language "$language" -o "$out" >/dev/null
done
echo "$out"
