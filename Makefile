GO ?= go
BIN := bin/bake
TESTFLAGS ?= -p 2 -count=1 -timeout 25m

# End-to-end tests, the demo and the benchmarks run the built binary.
RUN_ENV := BAKE_BIN=$(abspath $(BIN))

.DEFAULT_GOAL := build
.PHONY: build services test demo bench lint clean

build:
	$(GO) build -o $(BIN) ./cmd/bake

services:
	scripts/services.sh up

test: services build
	$(RUN_ENV) $(GO) test $(TESTFLAGS) ./...

demo: services build
	$(RUN_ENV) scripts/demo.sh

bench: services build
	$(RUN_ENV) scripts/bench.sh

lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt -w needed for:"; echo "$$unformatted"; exit 1; \
	fi
	$(GO) vet ./...

clean:
	rm -rf bin/
