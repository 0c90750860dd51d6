# apcv-hil: `make demo` and `make test` set everything up first (scripts/setup.sh).
VENV := .venv
BIN := $(VENV)/bin
RIG ?= rigs/software.yaml
# Python caches compiled modules (and pytest its rewritten test modules) in __pycache__; a shell
# that forbids it (PYTHONDONTWRITEBYTECODE, set on some CI machines) makes every one of the
# suite's hundreds of Python processes compile the project again (~1.7 s of CPU each).
unexport PYTHONDONTWRITEBYTECODE

# Tests run on pytest-xdist workers. As root each worker lives in a private network and mount
# namespace (scripts/isolated.sh): its own loopback ports (vpcd's 35963, servers) and its own
# pcscd, so tests that start pcscd or listen on fixed ports run side by side. Without root
# (no namespaces) `make test` runs its tests one at a time. See docs/testing.md.
# make check's tests are in-process and CPU-bound: one worker a core (each worker collects every
# test, ~10 s of CPU, so a third worker costs more than it gives).
WORKERS ?= 3
QUICK_WORKERS ?= 2
ISOLATED := $(shell scripts/isolated.sh true >/dev/null 2>&1 && echo yes)
ifeq ($(ISOLATED),yes)
PARALLEL = --dist loadgroup --tx "$(WORKERS)*popen//python=scripts/isolated.sh $(BIN)/python"
QUICK_PARALLEL = --dist loadgroup --tx "$(QUICK_WORKERS)*popen//python=scripts/isolated.sh $(BIN)/python"
else
PARALLEL = -p no:xdist
QUICK_PARALLEL = -n $(QUICK_WORKERS)
endif

.PHONY: setup demo check test lint bench mutation vectors clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(BIN)/apcv-hil read --rig $(RIG)
	$(BIN)/apcv-hil run --rig $(RIG) --report reports/latest

# The edit-test loop (2 minutes or less): lint, import contracts, every test not marked slow.
check: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -m "not slow" $(QUICK_PARALLEL)

# Everything (CI runs this): every test, then the scenarios on the PC/SC rigs.
test: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q $(PARALLEL)
	$(BIN)/python -m pytest -q $(PARALLEL) scenarios --rig rigs/pcsc-vpcd.yaml
	# one process: the rig's launched phone keeps its screen in one file (reports/phone-dut/screen.pgm)
	$(BIN)/python -m pytest -q -p no:xdist scenarios/conformance/phone --rig rigs/phone-dut.yaml
	$(BIN)/python -m pytest -q $(PARALLEL) scenarios/conformance/practice_software --rig rigs/practice-software.yaml

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: setup
	$(BIN)/python benchmarks/nfc_presentation.py
	$(BIN)/python benchmarks/qr_decoders.py

mutation: setup
	$(BIN)/python benchmarks/mutation_score.py --sample 40 --seed 0

vectors: setup
	$(BIN)/python -m simulators.vectors docs/vectors/r1-presentation.json
	$(BIN)/python -m apcv.profile.r1.qr_vector docs/vectors/r1-qr.json

clean:
	rm -rf reports/latest .tox .ruff_cache .hypothesis
