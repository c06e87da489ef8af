# Quire: `make run` sets up and starts the app; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# llama-cpp-python compiles from source. The default -march=native build crashes on some CPUs
# (AMX Xeons), so build portably unless the user chose flags (e.g. -DGGML_CUDA=on).
CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export CMAKE_ARGS
TORCH_SPEC ?= torch==2.13.0
MODEL := models/SmolLM2-135M-Instruct.Q4_1.gguf
# the embedder exported to ONNX at install time (quire.search.onnx_embedder); this file lists it
EMBEDDER_ONNX := models/.embedder-onnx

.DELETE_ON_ERROR:  # a failed step leaves no stamp behind
.PHONY: setup models run test lint bench clean package test-package test-oracle test-oci

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch first and pinned: an unpinned resolve pulls a multi-GB CUDA build.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip install --quiet --no-deps "rapidocr-onnxruntime>=1.4.4,<1.5"  # OCR (see pyproject.toml)
	touch $@

setup: $(VENV)/.installed

$(MODEL): | $(BIN)/python
	$(BIN)/python scripts/fetch_default_model.py models

$(EMBEDDER_ONNX): $(VENV)/.installed app/quire/search/onnx_embedder.py app/quire/search/int8.py app/quire/search/calibration.txt
	$(BIN)/python -m quire.search.onnx_embedder models > $@

models: $(MODEL) $(EMBEDDER_ONNX)

# Qt's X11 plugin needs a few system libraries a fresh Debian lacks: installed here when run as
# root (apt or dnf), else named with the command that installs them.
run: setup models
	$(BIN)/python -m quire.qt_libs --install
	$(BIN)/quire

test: setup models
	$(BIN)/ruff check app tests packaging
	$(BIN)/mypy
	scripts/run_tests.sh $(BIN)/pytest -q $(PYTEST_ARGS)

# Live checks against real services, not part of `make test` (no container runtime or tenancy in CI):
# each says why it skipped. test-oracle: Oracle Database 23ai Free in docker/podman, HNSW and IVF,
# Oracle Text; test-oci: OCI Generative AI with ~/.oci/config (QUIRE_TEST_OCI_COMPARTMENT, _MODEL).
test-oracle: setup
	scripts/test_oracle.sh $(BIN)/pytest

test-oci: setup
	scripts/test_oci.sh $(BIN)/pytest

# The frozen desktop app (packaging/): dist/quire/ and a per-user install tarball; rebuilt only
# when the app, the packaging, the resources, the model or the dependencies changed.
PACKAGE_SOURCES := $(shell find app packaging resources -type f -not -path '*/__pycache__/*' 2>/dev/null)
dist/quire-build.json: $(VENV)/.installed $(MODEL) $(PACKAGE_SOURCES)
	PYTHON=$(BIN)/python packaging/linux/build.sh

package: setup models dist/quire-build.json

test-package: package
	scripts/run_tests.sh $(BIN)/pytest -q -m packaging tests/packaging $(PYTEST_ARGS)

# llama.cpp's own llama-bench, from the source llama-cpp-python vendors, is the local model's reference.
bench: setup models
	scripts/build_llama_bench.sh $(BIN)/python build/llama-bench
	$(BIN)/quire bench --readme README.md $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist
