.PHONY: install test lint demo serve
VENV ?= .venv
install:
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -q -e '.[test]'
test: install
	$(VENV)/bin/python -m pytest -n auto
lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/mypy domain verify && $(VENV)/bin/lint-imports
demo: install
	$(VENV)/bin/minhbach demo
serve: install
	$(VENV)/bin/minhbach serve --demo
