# The two commands a newcomer needs: `make run` and `make test`. Both do their own set-up.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test lint setup system-packages bench clean

run: setup ## Start the whole product locally (web + API, ANAF sandbox, moto, local runtime)
	$(PY) -m local.stack

test: lint system-packages ## Lint, then run the whole test suite against a fresh local stack
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup ## ruff and mypy (their settings are in pyproject.toml)
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: setup ## Print the benchmark figures
	ONLY=$(ONLY) $(PY) -m bench

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@python=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*; touch $@

system-packages: ## Chromium and pdftoppm for the tests (installed when missing and we are root)
	@scripts/ensure-system-packages

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
