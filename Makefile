# apcv-hil: `make demo` and `make test` set everything up first (scripts/setup.sh).
VENV := .venv
BIN := $(VENV)/bin
RIG ?= rigs/software.yaml

.PHONY: setup demo test lint bench mutation vectors clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(BIN)/apcv-hil read --rig $(RIG)
	$(BIN)/apcv-hil run --rig $(RIG) --report reports/latest

test: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q scenarios --rig rigs/pcsc-vpcd.yaml
	$(BIN)/python -m pytest -q scenarios/conformance/phone --rig rigs/phone-dut.yaml
	$(BIN)/python -m pytest -q scenarios/conformance/practice_software --rig rigs/practice-software.yaml

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
