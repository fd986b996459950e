# The two commands a fresh machine needs: `make run` and `make test`.
# Both create the virtual environment in .venv and install the project
# (with its test extra) into it when setup.py is newer than the install.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install run test bench clean

$(BIN)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[testing]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/pserve development.ini

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) *.egg-info var
