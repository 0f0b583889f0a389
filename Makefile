# ims-callbacks: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STATE ?= $(CURDIR)/.state

.PHONY: venv pulumi test lint typecheck unit engine demo bench emulator clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

pulumi:  ## build or locate the Pulumi CLI (cached outside the repo)
	@bash scripts/install-pulumi.sh >/dev/null

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache  # the layers of docs/architecture.md (pyproject.toml)

typecheck: venv
	$(VENV)/bin/mypy components apispec contract emulator devtools bench .github/actions/aliyun-oidc/aliyun_oidc.py .github/actions/report/combine.py
	$(VENV)/bin/mypy __main__.py  # a separate run: bench/ has a __main__ module too

test: venv pulumi lint typecheck  ## the whole suite: lint, types, unit, emulator, engine
	$(VENV)/bin/pytest -p no:cacheprovider -n 2 --dist loadgroup

unit: venv
	$(VENV)/bin/pytest -m "not engine" -n 2

engine: venv pulumi
	$(VENV)/bin/pytest -m engine

demo: venv pulumi  ## the local stack end to end against the emulator
	$(PY) -m devtools.demo

bench: venv pulumi
	$(PY) -m bench

emulator: venv  ## run the emulator in the foreground
	$(PY) -m emulator serve --port 18100 --state $(STATE)/emulator.json

clean:
	rm -rf $(STATE) .pytest_cache .mypy_cache .ruff_cache
