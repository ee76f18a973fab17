GO ?= go
BIN := bin/bake
# bake --version: the nearest v* tag (else "dev") and the commit, stamped at link time.
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X github.com/bakehq/bake/internal/cli.Version=$(VERSION) -X github.com/bakehq/bake/internal/cli.Commit=$(COMMIT)
TESTFLAGS ?= -p 2 -count=1 -timeout 25m

# End-to-end tests, the demo and the benchmarks run the built binary.
RUN_ENV := BAKE_BIN=$(abspath $(BIN))

.DEFAULT_GOAL := build
.PHONY: build services test fuzz demo bench lint clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/bake

services:
	scripts/services.sh up

test: services build
	$(RUN_ENV) $(GO) test $(TESTFLAGS) ./...
	$(MAKE) fuzz

# Each fuzz target runs briefly on top of its seed corpus (which `go test`
# already runs); FUZZTIME=5m digs deeper.
FUZZTIME ?= 10s
FUZZ_TARGETS := internal/config:FuzzParse internal/cst:FuzzParse internal/builder:FuzzParsePackerOutput

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$fn in ./$$pkg for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) ./$$pkg; \
	done

demo: services build
	$(RUN_ENV) scripts/demo.sh

bench: services build
	$(RUN_ENV) $(GO) run ./test/bench

lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt -w needed for:"; echo "$$unformatted"; exit 1; \
	fi
	$(GO) vet ./...

clean:
	rm -rf bin/
