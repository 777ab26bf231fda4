# The two commands a newcomer needs: `make run` and `make test`. Both do their own set-up.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test setup system-packages bench clean

run: setup ## Start the whole product locally (web + API, ANAF sandbox, moto, local runtime)
	$(PY) -m local.stack

# In parallel with pytest-xdist: TEST_WORKERS processes, each with its own local stack on free
# ports (tests/conftest.py groups the files and orders them); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 3
test: setup system-packages ## Run the whole test suite against fresh local stacks
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

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
	rm -rf $(VENV) .pytest_cache

# The machine's pip configuration may name index folders that do not exist; pip then warns once
# per package ("Location 'file:///…' is ignored"). PIP_QUIET=1 on top of the install's --quiet is
# pip's -qq: warnings go, errors stay.
$(STAMP): export PIP_QUIET = 1
