# ims-callbacks: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
# CPython 3.11, 3.12 or 3.13: the newest of python3.13, python3.12, python3.11 on PATH that runs
# (a pyenv shim of a version that is not selected does not). Override: make PYTHON=python3.11 ...
SUPPORTED := 3.13 3.12 3.11
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach v,$(SUPPORTED),$(shell python$(v) -c 'pass' >/dev/null 2>&1 && echo python$(v))))
endif
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-py$(PY_VERSION)
PLUGIN_VENV := provider/venv
PLUGIN_STAMP := $(PLUGIN_VENV)/.installed-py$(PY_VERSION)
STATE ?= $(CURDIR)/.state

.PHONY: venv pulumi hosts act sdk dist tools test lint typecheck unit engine workflows demo bench emulator clean

$(STAMP): requirements.txt requirements-dev.txt provider/requirements.txt
	@[ -n "$(PYTHON)" ] || { echo "need CPython 3.11, 3.12 or 3.13 on PATH (python3.13, python3.12 or python3.11), or make PYTHON=/path/to/python"; exit 1; }
	@case " $(SUPPORTED) " in *" $(PY_VERSION) "*) ;; *) echo "$(PYTHON) is Python '$(PY_VERSION)'; this project needs 3.11, 3.12 or 3.13"; exit 1;; esac
	@if [ -x $(PY) ] && [ "$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$(PY_VERSION)" ]; then \
	  echo "$(VENV) is for another Python version: recreating it with $(PYTHON) ($(PY_VERSION))"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed*; touch $@

# The ims plugin's own virtualenv (provider/PulumiPlugin.yaml), made as `pulumi package add` makes it.
$(PLUGIN_STAMP): provider/requirements.txt
	@rm -rf $(PLUGIN_VENV)
	$(PYTHON) -m venv $(PLUGIN_VENV)
	$(PLUGIN_VENV)/bin/python -m pip install --quiet -r provider/requirements.txt
	@touch $@

venv: $(STAMP) $(PLUGIN_STAMP)

pulumi:  ## build or locate the Pulumi CLI (cached outside the repo)
	@bash scripts/install-pulumi.sh >/dev/null

hosts:  ## the YAML and Node.js language hosts (YAML consumer test, TypeScript SDK), cached
	@bash scripts/install-language-hosts.sh >/dev/null

act:  ## act, which runs the GitHub workflows locally (make workflows), cached outside the repo
	@bash scripts/install-act.sh >/dev/null

sdk: venv pulumi hosts  ## regenerate sdk/ (Python, TypeScript) from the provider's schema
	@bash scripts/gen-sdk.sh >/dev/null

dist: venv  ## what users install: the Python SDK wheel and the TypeScript SDK npm tarball, in dist/
	@bash scripts/dist.sh dist

tools:  ## system tools the suite needs (shellcheck), installed from Debian's packages if missing
	@bash scripts/install-tools.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache  # the layers of docs/architecture.md (pyproject.toml)

typecheck: venv
	$(VENV)/bin/mypy components apispec contract emulator devtools bench .github/actions/aliyun-oidc/aliyun_oidc.py .github/actions/report/combine.py .github/actions/setup/install_project.py .github/actions/review/review.py
	$(VENV)/bin/mypy __main__.py  # a separate run: bench/ has a __main__ module too

test: venv pulumi hosts act tools lint typecheck  ## the whole suite: lint, types, unit, emulator, engine, workflows
	$(VENV)/bin/pytest -p no:cacheprovider -n 2 --dist loadgroup

unit: venv
	$(VENV)/bin/pytest -m "not engine and not workflows" -n 2

engine: venv pulumi hosts
	$(VENV)/bin/pytest -m engine

workflows: venv pulumi hosts act  ## the GitHub workflows run by act against the emulator and a fake GitHub (part of make test)
	$(VENV)/bin/pytest -p no:cacheprovider -m workflows

demo: venv pulumi  ## the local stack end to end against the emulator
	$(PY) -m devtools.demo

bench: venv pulumi
	$(PY) -m bench

emulator: venv  ## run the emulator in the foreground
	$(PY) -m emulator serve --port 18100 --state $(STATE)/emulator.json

clean:
	rm -rf $(STATE) dist .pytest_cache .mypy_cache .ruff_cache
