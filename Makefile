# Two entry points: `make run` (the app) and `make test` (every test).
# Both create .venv and install requirements.txt on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test clean

$(STAMP): requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	touch $(STAMP)

# `make run` is the local demo: demo accounts on (a banner says so) unless MATCHER_DEMO_ACCOUNTS is set.
run: $(STAMP)
	MATCHER_DEMO_ACCOUNTS=$${MATCHER_DEMO_ACCOUNTS:-true} HF_HUB_OFFLINE=1 $(BIN)/streamlit run app.py

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q --durations=25

clean:
	rm -rf $(VENV) var
