#!/usr/bin/env bash
# Build what users install into dist/ (or $1), from the committed SDKs in sdk/:
#   pulumi_ims-<version>-py3-none-any.whl   the Python SDK          (pip install)
#   ims-callbacks-ims-<version>.tgz         the TypeScript SDK, compiled, with main and types
#                                           (npm install)
# The plugin itself is not built: users install it from source (`pulumi package add`, see
# docs/use-from-your-project.md). Only PyPI and the npm registry are contacted.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-dist}")"
python="${PYTHON:-.venv/bin/python}"
version="$("$python" -c 'from components.version import VERSION; print(VERSION)')"
log() { printf '[dist] %s\n' "$*" >&2; }
mkdir -p "$out"
rm -f "$out"/pulumi_ims-*.whl "$out"/ims-callbacks-ims-*.tgz

log "Python SDK wheel $version"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r sdk/python "$work/python"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$out" "$work/python"

log "TypeScript SDK tarball $version (npm install, tsc)"
cp -r sdk/nodejs "$work/nodejs"
cd "$work/nodejs"
npm install --no-audit --no-fund --loglevel=error >/dev/null
npx tsc
cp package.json README.md bin/
node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("bin/package.json", "utf8"));
  Object.assign(pkg, {main: "index.js", types: "index.d.ts"});
  delete pkg.scripts; delete pkg.devDependencies;
  fs.writeFileSync("bin/package.json", JSON.stringify(pkg, null, 4) + "\n");'
npm pack ./bin --pack-destination "$out" --loglevel=error >/dev/null
ls "$out"/pulumi_ims-"$version"-*.whl "$out"/ims-callbacks-ims-"$version".tgz
