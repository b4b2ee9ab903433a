# Common tasks. `make up` installs what is missing and serves Kadai; `make test` runs what CI runs.
.PHONY: up serve setup test test-fast lint format sandbox validate bench bench-server bench-latency bench-throughput load compose-up compose-down screenshots

HOST ?= 0.0.0.0
PORT ?= 8000

up: setup serve

serve:
	.venv/bin/kadai serve --host $(HOST) --port $(PORT) --demo

setup:
	scripts/setup.sh

test:
	scripts/test.sh

test-fast:
	.venv/bin/pytest -m "not docker"

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

sandbox:
	.venv/bin/kadai sandbox build

validate:
	for d in exercises/*/; do .venv/bin/kadai exercise validate $$d || exit 1; done

bench:
	.venv/bin/python bench/grade_latency.py

# Through `kadai serve --demo`, both sandbox modes (KADAI_SANDBOX_MODE), against the bare-python floor.
bench-server: bench-latency bench-throughput

bench-latency:
	.venv/bin/python bench/server_latency.py --mode both --runs 20

bench-throughput:
	.venv/bin/python bench/server_throughput.py --mode both --submissions 16 --workers 2

load:
	.venv/bin/python bench/load_test.py --students 100 --per-student 3 --pollers 100 --workers 2

compose-up:
	scripts/compose.sh up

compose-down:
	scripts/compose.sh down

screenshots:
	KADAI_UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/frontend -q
