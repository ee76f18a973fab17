GO ?= go
BIN := bin/bake
# bake --version: the nearest v* tag (else "dev") and the commit, stamped at link time.
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X github.com/bakehq/bake/internal/cli.Version=$(VERSION) -X github.com/bakehq/bake/internal/cli.Commit=$(COMMIT)
# -timeout stops a test binary that hangs; it is not the time budget. The
# end-to-end package alone runs 20 to 35 minutes on two busy cores (its
# tests that must run alone take a third of that), and a binary stopped by
# it reports nothing but its goroutines.
TESTFLAGS ?= -p 2 -count=1 -timeout 60m
# The end-to-end tests marked parallel wait on Docker more than on the CPU:
# this many run at once.
E2E_PARALLEL ?= 4

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec

# End-to-end tests, the demo and the benchmarks run the built binary.
RUN_ENV := BAKE_BIN=$(abspath $(BIN))

.DEFAULT_GOAL := build
.PHONY: build services test fuzz demo demo-clean bench lint docs clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/bake

services:
	scripts/services.sh up

# On a fresh machine `scripts/services.sh up` returns while a background job
# builds the Kubernetes test cluster's binaries (minutes) and starts it; the
# tests that need the cluster wait for it (servicestest.KubeConfig). A
# package waiting holds one of go test's -p slots idle, so the packages that
# need the cluster run last, after the end-to-end package has started (go
# test runs packages in the order given); its Kubernetes tests are parallel,
# so they wait in its parallel phase, not before its other tests.
#
# The end-to-end package runs first: it is the longest (15 to 25 minutes),
# and the other packages take together about as long on the second slot.
# Last in line (go list's order), it would start only when they are done.
MODULE := github.com/bakehq/bake
E2E_PKG := $(MODULE)/test
KUBE_PKGS := $(MODULE)/internal/servicestest $(MODULE)/internal/sweep $(MODULE)/internal/targets/kubernetes

# The tests print a line per package and, for the end-to-end package, a
# line per test as it ends (test/progress). `make fuzz` runs meanwhile at a
# low priority: its instrumented build (minutes on a fresh machine) uses the
# CPU the end-to-end tests leave idle while they wait on Docker.
test: services build
	@echo "fuzz: runs in the background at a low priority, output in bin/fuzz.log"
	@nice -n 10 $(MAKE) --no-print-directory fuzz >bin/fuzz.log 2>&1 & fuzz=$$!; \
	status=0; \
	pkgs="$(E2E_PKG) $$($(GO) list ./... | grep -vxF $(KUBE_PKGS:%=-e %) -e $(E2E_PKG)) $(KUBE_PKGS)"; \
	$(RUN_ENV) $(GO) test $(TESTFLAGS) -parallel $(E2E_PARALLEL) -json $$pkgs | $(GO) run ./test/progress || status=1; \
	if [ -n "$$(jobs -pr)" ]; then echo "fuzz: waiting for the fuzz targets"; fi; \
	if wait $$fuzz; then grep -E '^(make fuzz: |ok |FAIL)' bin/fuzz.log || true; else cat bin/fuzz.log; echo "fuzz: FAILED"; status=1; fi; \
	exit $$status

# Each fuzz target runs briefly on top of its seed corpus (which `go test`
# already runs): 50,000 inputs, 5 to 10 s on an idle machine; FUZZTIME=5m
# digs deeper. A count, not a duration: Go 1.26's fuzz coordinator may fail a
# run bounded by time at its deadline when the CPU is busy, with "context
# deadline exceeded" and no failing input (golang/go#75804, fixed in 1.27),
# and `make test` runs the targets next to the end-to-end tests. The targets
# are built first, all dependencies compiled with coverage instrumentation:
# minutes the first time, cached after.
FUZZTIME ?= 50000x
FUZZ_TARGETS := internal/config:FuzzParse internal/cst:FuzzParse internal/builder:FuzzParsePackerOutput

fuzz:
	@start=$$(date +%s); \
	echo "make fuzz: building $(words $(FUZZ_TARGETS)) fuzz targets with coverage instrumentation"; \
	for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  $(GO) test -c -o bin/fuzz/ -fuzz "^$$fn\$$" ./$$pkg; \
	done; \
	echo "make fuzz: built in $$(( $$(date +%s) - start ))s"; \
	for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "make fuzz: $$fn in ./$$pkg, -fuzztime $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) ./$$pkg; \
	done

# The demo runs the tutorial's commands (docs/tutorial.md) and prints them
# with bake's own lines and one line per install step; what the installers,
# the Go build and the image builds print goes to DEMO_LOG. demo-clean
# removes the demo's containers, networks, images, front doors and directory.
DEMO_LOG := bin/demo.log
BAKE_DEMO_DIR ?= .demo

demo:
	@mkdir -p bin; : >$(DEMO_LOG)
	@echo "demo: starting the services, installing what is missing (output in $(DEMO_LOG))"
	@BAKE_INSTALL_LOG=$(abspath $(DEMO_LOG)) scripts/services.sh up >>$(DEMO_LOG) || { tail -n 20 $(DEMO_LOG); exit 1; }
	@echo "demo: building $(BIN)"
	@$(MAKE) --no-print-directory build >>$(DEMO_LOG) 2>&1 || { tail -n 20 $(DEMO_LOG); exit 1; }
	@$(RUN_ENV) BAKE_DEMO_DIR=$(BAKE_DEMO_DIR) BAKE_DEMO_LOG=$(abspath $(DEMO_LOG)) scripts/demo.sh

demo-clean:
	@$(GO) run ./scripts/democlean $(abspath $(BAKE_DEMO_DIR))

bench: services build
	$(RUN_ENV) $(GO) run ./test/bench

# The dashboard's screenshot in docs/dashboard.md: a demo-like project of two
# small images, bake ui on it, and headless Chromium's picture of the page.
ui-shot: services build
	$(RUN_ENV) $(GO) run ./test/uishot -out docs/images/dashboard.png

# The references generated from the code (docs/reference): the CLI pages
# from the cobra commands, the bake.yaml reference and its JSON Schema from
# the config types. A test in internal/docgen fails when they are stale.
docs:
	$(GO) run ./internal/docgen -out docs/reference

lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt -w needed for:"; echo "$$unformatted"; exit 1; \
	fi
	$(GO) vet ./...

clean:
	rm -rf bin/
