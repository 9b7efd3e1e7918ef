# The two set-up commands are `make run` and `make test`; everything else here serves them or CI.
# Only python3.11 is needed on the machine: the virtualenv and every package are made here.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PO_FILES := $(shell find . -path ./.venv -prune -o -path ./.data -prune -o -path '*/locale/*' -name '*.po' -print 2>/dev/null)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test security lint format messages lock up down env clean-data

run: $(STAMP) messages
	$(PY) tools/devstack.py run

# Extra pytest arguments: make test ARGS="-x tests/portal"
test: $(STAMP) messages
	$(PY) tools/devstack.py test $(ARGS)

# The security controls' tests alone (also part of `make test`); see README "Security controls".
security: $(STAMP) messages
	$(PY) tools/devstack.py test tests/security $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Compile every */locale/**/*.po (and locale/) to .mo with Babel; no system gettext needed.
messages: $(STAMP) $(MO_FILES)

%.mo: %.po | $(STAMP)
	$(PY) tools/compilemessages.py $<

# Re-pin requirements.lock from the current virtualenv (after changing pyproject.toml's ranges).
lock: $(STAMP)
	{ echo "# Pinned versions of every installed package (pip freeze --exclude-editable); used as pip's -c constraints."; \
	  echo "# Regenerate with: make lock"; \
	  $(VENV)/bin/pip freeze --exclude-editable; } > requirements.lock
	touch $(STAMP)

up down env: $(STAMP)
	$(PY) tools/devstack.py $@

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml or the lock changed.
$(STAMP): pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install -c requirements.lock -e '.[dev]'
	touch $(STAMP)

clean-data:
	$(PY) tools/devstack.py down
	rm -rf .data
