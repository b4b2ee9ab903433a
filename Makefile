# Common tasks. `make up` prepares (and, once the web app lands, starts) Kadai; `make test` runs CI.
.PHONY: up setup test test-fast lint format sandbox validate bench

up: setup
	@echo "Kadai grader ready: .venv/bin/kadai grade --exercise ID FILE"

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
