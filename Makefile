# The README's two commands are `make run` and `make test`; the rest are habits.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
TEST_STAMP = $(VENV)/.installed-test
BENCH_STAMP = $(VENV)/.installed-bench

.PHONY: run test check lint fmt typecheck contracts bench bench-smoke clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

## Main command: migrate, collect the demo sources, build and send the demo issue to var/outbox, serve on :8000
run: $(STAMP)
	$(BIN)/relais up

## Test command: install what tests need (venv, test extras, Debian's Chromium) and run them.
## Set RELAIS_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run them on PostgreSQL too.
test: $(TEST_STAMP)
	bash scripts/install-system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: lint typecheck contracts

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

contracts: $(TEST_STAMP)
	$(BIN)/lint-imports

bench: $(BENCH_STAMP)
	bash scripts/install-system-deps bench
	$(BIN)/python -m bench

## Every benchmark at its smoke size, in seconds, on SQLite and on PostgreSQL when RELAIS_TEST_DATABASE_URL is set
## (CI runs it after the tests): only that each runs to its table. Without Postfix or wrk (not root), their rows
## are skipped and said.
bench-smoke: $(TEST_STAMP) $(BENCH_STAMP)
	-bash scripts/install-system-deps bench
	RELAIS_BENCH_SMOKE=1 $(BIN)/python -m pytest tests/test_bench_smoke.py -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var/ .pytest_cache .mypy_cache .ruff_cache

## Extract the admin's strings into admin/locale/messages.pot and update the catalogues (fr is the source).
messages: $(TEST_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o admin/locale/messages.pot --no-location --sort-output .
	for po in admin/locale/*/LC_MESSAGES/messages.po; do [ -f "$$po" ] && $(BIN)/pybabel update -i admin/locale/messages.pot -o "$$po" -l "$$(basename "$$(dirname "$$(dirname "$$po")")")" --no-fuzzy-matching || true; done
