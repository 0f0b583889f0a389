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
# From the schema the plugin serves (components/provider/schema.py), written to a file: the
# same SDKs as `pulumi package gen-sdk provider/`, without running the plugin's install step.
"${PYTHON:-.venv/bin/python}" -c 'from components.provider.schema import schema_json; print(schema_json())' \
  > "$state/schema.json"
rm -rf "$out/python" "$out/nodejs"
for language in python nodejs; do
  pulumi package gen-sdk "$state/schema.json" --language "$language" -o "$out" >/dev/null
done
# The Node.js host built here (v3.188 line) writes the imports of the files in config/ and types/
# as if they were at the root (TS2307): "./utilities" is one folder up, and "./types/input" seen
# from types/ is "./input". tests/consumers compiles the result with tsc --strict.
sed -i 's|from "\./utilities"|from "../utilities"|' "$out"/nodejs/config/*.ts "$out"/nodejs/types/*.ts
sed -i 's|from "\./types/|from "./|' "$out"/nodejs/types/*.ts
echo "$out"
