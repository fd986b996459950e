# The two commands a fresh machine needs: `make run` and `make test`.
# Both create the virtual environment in .venv and install the project
# (with its test extra) into it when setup.py is newer than the install.
#
# PYTHON picks the interpreter (3.11, 3.12 or 3.13), VENV the folder:
#     make test PYTHON=python3.13 VENV=.venv-3.13
# A venv built by another interpreter, or left half-built by a failed
# install, is removed and built again.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# pins read from setup.py (one place to change them): astakosclient, and
# setuptools, which builds astakosclient's wheel
ASTAKOSCLIENT := $(shell grep -o "astakosclient==[0-9.]*" setup.py)
SETUPTOOLS := $(shell grep -o "setuptools>=[0-9.]*,<[0-9.]*" setup.py)

# the interpreter asked for ("<path> <version>"), and the one $(VENV)
# was built with
WANT := $(shell $(PYTHON) -c 'import sys; print(sys.executable, sys.version.split()[0])' 2>/dev/null)
HAVE := $(shell cat $(VENV)/.interpreter 2>/dev/null)

.PHONY: install run test bench clean FORCE

ifneq ($(WANT),$(HAVE))
# another interpreter, or no finished venv: reinstall whatever the dates say
$(BIN)/.installed: FORCE
endif

$(BIN)/.installed: setup.py
	@test -n "$(WANT)" || { echo "make: '$(PYTHON)' is not a Python interpreter; pass one, e.g. make $(MAKECMDGOALS) PYTHON=python3.11" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "make: occi-pyramid needs Python 3.11 or newer, $(PYTHON) is $(lastword $(WANT)); pass another, e.g. make $(MAKECMDGOALS) PYTHON=python3.11" >&2; exit 1; }
	@if [ "$(HAVE)" != "$(WANT)" ]; then \
	    echo "make: building $(VENV) with $(WANT)"; \
	    rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); fi
	$(BIN)/pip install --quiet --upgrade pip wheel '$(SETUPTOOLS)'
# astakosclient's setup.py imports the `imp` module, gone in Python 3.12:
# build its PyPI sdist into a wheel with build-shims/imp.py on the path
# (the wheel holds astakosclient's code unchanged), then install from it
	ls $(VENV)/wheels/$(subst ==,-,$(ASTAKOSCLIENT))-*.whl >/dev/null 2>&1 || \
	PYTHONPATH=$(CURDIR)/build-shims $(BIN)/pip wheel --quiet --no-deps \
	    --no-build-isolation --wheel-dir $(VENV)/wheels $(ASTAKOSCLIENT)
	$(BIN)/pip install --quiet --find-links $(VENV)/wheels -e '.[testing]'
	@echo "$(WANT)" > $(VENV)/.interpreter
	touch $@

install: $(BIN)/.installed

# PORT=7000 serves on another port than development.ini's 6543
run: install
	$(BIN)/pserve development.ini $(if $(PORT),http_port=$(PORT))

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# the benchmarks, run by hand: `make bench` lists them, `make bench
# BENCH=bench_cpu` runs one (ARGS=... passes it options); each prints its
# numbers against a baseline measured in the same run
bench: install
ifeq ($(BENCH),)
	@for b in bench/bench_*.py; do \
	    printf '%-18s %s\n' "$$(basename $$b .py)" "$$(sed -n '1s/^"""//p' $$b)"; done
	@echo 'run one: make bench BENCH=<name> [ARGS="--help"]'
else
	$(BIN)/python bench/$(BENCH).py $(ARGS)
endif

clean:
	rm -rf $(VENV) .venv-* *.egg-info var
