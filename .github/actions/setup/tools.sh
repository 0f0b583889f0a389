#!/usr/bin/env bash
# The ims-callbacks tools in their own virtualenv, from the checkout this action belongs to.
# Exports IMS_CALLBACKS_HOME (that checkout) and IMS_CALLBACKS_PYTHON (the tools' interpreter).
set -euo pipefail
home="$(cd "$GITHUB_ACTION_PATH/../../.." && pwd)"
tools="${RUNNER_TEMP:?}/ims-callbacks-tools"
python -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r "$GITHUB_ACTION_PATH/requirements.txt"
python -m uv venv --quiet --allow-existing --python "$(command -v python)" "$tools"
python -m uv pip install --quiet --python "$tools/bin/python" -r "$home/requirements.txt"
{
  echo "IMS_CALLBACKS_HOME=$home"
  echo "IMS_CALLBACKS_PYTHON=$tools/bin/python"
} >> "$GITHUB_ENV"
echo "ims-callbacks tools from $home in $tools"
