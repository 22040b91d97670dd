# One virtualenv, two promises: `make serve` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: setup serve test validate bench bench-backend clean vendor

$(BIN)/cec-kg: pyproject.toml
	@echo "==> creating the virtualenv $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> installing cec-kg and its dependencies into $(VENV) (about a minute on a fresh machine)"
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --progress-bar off -e '.[test]'
	@touch $@
	@echo "==> installed: $$($(BIN)/cec-kg --version | head -1)"

# The package's bytecode, as an installed package has it: where PYTHONDONTWRITEBYTECODE is set, every
# start would otherwise compile each of its modules again (measured 0.15-0.35 s of a 0.8 s start).
setup: $(BIN)/cec-kg
	@$(BIN)/python -m compileall -q server

serve: setup
	@echo "==> serving the CEC graph on http://$(HOST):$(PORT)/ (validated first; Ctrl-C stops it)"
	$(BIN)/cec-kg serve --host $(HOST) --port $(PORT)

validate: setup
	$(BIN)/cec-kg validate

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The main bench (results/latest.*), then the remote stores through --backend (results/backend-latest.*);
# the exit status is 1 if either misses a target.
bench: setup
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench; status=$$?; $(BIN)/python -m bench --backends || status=1; exit $$status

bench-backend: setup
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench --backends

# The query editor (CodeMirror 6) is bundled from npm into server/web/static/vendor/ and committed:
# serving needs neither node nor the network. Rebuild it after changing assets/editor/.
vendor:
	cd assets/editor && npm ci --no-audit --no-fund && npm run build

clean:
	rm -rf $(VENV) build .pytest_cache
