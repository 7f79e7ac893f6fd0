# codetree: `make demo` sets everything up and runs a demo; `make test` runs the tests.
SHELL := /bin/bash
GO ?= go
BIN := bin/codetree
# The codetree binary doubles as the in-container runner, so it must be static.
export CGO_ENABLED := 0

# Dataset files: ../shared/data when it is there (as in CI), else the user cache.
CODETREE_DATA_DIR ?= $(wildcard $(abspath ../shared/data))
export CODETREE_DATA_DIR

.PHONY: help build docker gvisor slurm podman chromium images screenshots test test-gvisor test-podman test-unit vet gold bench-sandbox bench-eval bench-search bench-ablation bench-swe demo demo-fix demo-swe clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

build: ## build bin/codetree (static)
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/codetree

docker: ## make sure a Docker daemon answers (as root on Debian: install and start docker.io)
	@scripts/docker-up.sh

gvisor: docker ## register gVisor's runsc with the Docker daemon for --runtime runsc (as root on Debian: install the runsc package)
	@scripts/gvisor-up.sh

slurm: ## make sure a Slurm node answers (as root on Debian: install slurm-wlm and munge, start a single-node cluster)
	@scripts/slurm-up.sh

chromium: ## make sure a headless Chromium is there for the report tests (as root on Debian: install chromium)
	@scripts/chromium-up.sh

# Podman's Docker-compatible service (make podman, test-podman, bench-sandbox).
PODMAN_SOCK ?= /run/podman/podman.sock
PODMAN_HOST := unix://$(PODMAN_SOCK)

podman: images ## start Podman's Docker-compatible service at /run/podman/podman.sock (as root on Debian: install podman) and load the sandbox images into it
	@PODMAN_SOCK=$(PODMAN_SOCK) SRC_DOCKER_HOST=$${DOCKER_HOST:-unix:///var/run/docker.sock} scripts/podman-up.sh $$($(BIN) images list --names) >/dev/null

images: build docker ## build the sandbox images (skipped when their recipe tag exists)
	@scripts/image-tools.sh
	$(BIN) images build all

vet: ## gofmt, go vet and go mod tidy checks
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff

test: images slurm chromium vet ## run every test, Docker, Slurm and headless Chromium integration tests included, the sandbox's under gVisor (SKIP_GVISOR=1: not) and against Podman (SKIP_PODMAN=1: not) too, then the gold checks
	@rm -rf $(SHOTS)
	CODETREE_SCREENSHOTS=$(SHOTS) CODETREE_RUNNER=$(abspath $(BIN)) $(GO) test -count=1 -timeout 40m ./...
	@for f in $(SHOTS)/*.png; do echo "make test: screenshot of a report in headless Chromium: $$f"; done
	$(if $(filter 1,$(SKIP_GVISOR)),@echo "make test: the gVisor suite skipped (SKIP_GVISOR=1)",$(MAKE) test-gvisor)
	$(if $(filter 1,$(SKIP_PODMAN)),@echo "make test: the Podman suite skipped (SKIP_PODMAN=1)",$(MAKE) test-podman)
	$(MAKE) gold

# Where make test's browser tests save the reports' screenshots.
SHOTS := $(CURDIR)/runs/test-screenshots

# The sandbox tests that matter under gVisor: the hostile programs in both
# modes, cancellation, concurrent isolation, leftovers of a killed harness,
# read-only mounts, image checks.
GVISOR_TESTS := ^(TestHostilePrograms|TestCancelMidRun|TestConcurrentRunsIsolated|TestKilledHarnessLeftoversRemoved|TestMountReadOnly|TestImageChecks)$$

test-gvisor: images gvisor ## the hostile-program suite and the sandbox's isolation tests under gVisor (--runtime runsc)
	CODETREE_TEST_RUNTIME=runsc CODETREE_RUNNER=$(abspath $(BIN)) $(GO) test -count=1 -timeout 15m -run '$(GVISOR_TESTS)' ./sandbox/

test-podman: podman ## the sandbox's integration tests and hostile suite against Podman's Docker-compatible service (DOCKER_HOST=unix:///run/podman/podman.sock)
	DOCKER_HOST=$(PODMAN_HOST) CODETREE_RUNNER=$(abspath $(BIN)) $(GO) test -count=1 -timeout 20m ./sandbox/

gold: build ## score the reference solutions of every dataset of the gold check (codetree datasets --gold); fails on any failure
	@names=$$($(BIN) datasets --gold --names) && test -n "$$names" || { echo "no datasets for the gold check"; exit 1; }; \
	for d in $$names; do \
		echo "$(BIN) eval --gold --dataset $$d"; $(BIN) eval --gold --dataset $$d || exit 1; \
	done

test-unit: ## run the tests that need no Docker
	$(GO) test -short ./...

bench-sandbox: images $(if $(filter 1,$(SKIP_PODMAN)),,podman) ## latency and throughput of both sandbox modes vs a bare host process, under runc, runsc and through Podman (SKIP_PODMAN=1: not)
	$(BIN) sandbox bench $(if $(filter 1,$(SKIP_PODMAN)),,--podman-host $(PODMAN_HOST))

bench-eval: images ## codetree eval vs a process-per-sample evaluator on the HumanEval(+) references
	$(BIN) eval-bench --dataset humaneval
	$(BIN) eval-bench --dataset humaneval+

bench-search: images ## tree search targets: harness time per call, 164 HumanEval, faults, throughput vs concurrency
	BIN=$(BIN) scripts/bench-search.sh

bench-ablation: images ## direct, resample, reflexion and the codetree variants on 164 HumanEval problems, simulated model, one table
	BIN=$(BIN) scripts/bench-ablation.sh

bench-swe: images ## a candidate's go test of the SWE-bench Go repositories and a gin service: sandbox with/without the build cache vs the host (runs OUR test repos on the host)
	BIN=$(BIN) scripts/bench-swe.sh

demo: images ## example programs in the sandbox, CodeTree with the simulated model on 20 HumanEval problems, codetree fix on examples/fix-go, swe run on the test instances
	@for f in examples/*.py examples/*.go; do \
		echo "== codetree exec $$f"; $(BIN) exec --timeout 2s $$f || exit 1; echo; \
	done
	@echo "== codetree bench --model sim --dataset humaneval --strategy codetree --limit 20 --score-candidates"
	@rm -rf runs/demo
	@$(BIN) bench --model sim --dataset humaneval --strategy codetree --limit 20 --score-candidates --out runs/demo
	@echo; echo "== codetree bench --model sim --dataset humaneval --strategy resample --limit 20, then codetree report runs/demo runs/demo-resample --html runs/demo-compare.html"
	@rm -rf runs/demo-resample
	@$(BIN) bench --model sim --dataset humaneval --strategy resample --limit 20 --out runs/demo-resample
	@$(BIN) report runs/demo runs/demo-resample --html runs/demo-compare.html >/dev/null
	@echo; echo "== codetree fix on a copy of examples/fix-go, with a scripted model"
	@BIN=$(BIN) scripts/demo-fix.sh
	@echo; echo "== codetree swe run and swe eval on six SWE-bench-format test instances, simulated model (the gold-patch oracle)"
	@BIN=$(BIN) scripts/demo-swe.sh
	@echo; echo "== reports (simulated model: the figures measure the harness, never a model); open them in a browser"
	@echo "run report:  $(CURDIR)/runs/demo/report.html"
	@echo "comparison:  $(CURDIR)/runs/demo-compare.html"
	@echo "swe run:     $(CURDIR)/runs/demo-swe/run/report.html"

demo-swe: images ## codetree swe run --model sim (the gold-patch oracle) on the six test instances, then swe eval (runs/demo-swe)
	BIN=$(BIN) scripts/demo-swe.sh

demo-fix: images ## codetree fix on a copy of examples/fix-go with a scripted model (runs/demo-fix)
	BIN=$(BIN) scripts/demo-fix.sh

screenshots: images chromium ## refresh the README's report screenshots (docs/img) with the tests that check the reports in headless Chromium
	CODETREE_SCREENSHOTS=$(CURDIR)/docs/img CODETREE_RUNNER=$(abspath $(BIN)) $(GO) test -count=1 -v -run '^(TestReportsInBrowser|TestSweRunSimE2E)$$' ./cmd/codetree/

clean: ## remove build outputs and leftover sandbox containers
	-$(BIN) sandbox gc
	rm -rf bin runs/test-screenshots runs/demo runs/demo-resample runs/demo-compare.html runs/demo-fix runs/demo-swe
