# One virtualenv, two promises: `make serve` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: setup serve test validate bench clean

$(BIN)/cec-kg: pyproject.toml
	@echo "==> creating the virtualenv $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> installing cec-kg and its dependencies into $(VENV) (about a minute on a fresh machine)"
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --progress-bar off -e '.[test]'
	@touch $@
	@echo "==> installed: $$($(BIN)/cec-kg --version | head -1)"

setup: $(BIN)/cec-kg

serve: setup
	@echo "==> serving the CEC graph on http://$(HOST):$(PORT)/ (validated first; Ctrl-C stops it)"
	$(BIN)/cec-kg serve --host $(HOST) --port $(PORT)

validate: setup
	$(BIN)/cec-kg validate

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Our server against Oxigraph server (and rdflib-endpoint): bench/README.md. About a quarter of an hour;
# BENCH_ARGS passes options (e.g. BENCH_ARGS=--quick). wrk (the load generator) is a Debian package.
bench: setup
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then \
	  echo "==> installing wrk (Debian package), the benchmark's load generator"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "make bench needs wrk: sudo apt-get install wrk"; exit 1; fi; }
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build .pytest_cache
