# Build, test and benchmark Shoal. CI runs `make test` (see .ci/run).

GO ?= go
PORT ?= 6379
# Per test binary: netloop's tests take about 6 minutes under -race on 2
# cores (the whole of `make test` about 14), so a hung test still fails
# within CI's 20-minute budget.
TEST_TIMEOUT ?= 12m
FUZZTIME ?= 30s
# A count, not a duration: with a duration, a fuzz worker still busy when
# it runs out on a loaded machine fails with "context deadline exceeded".
FUZZTIME_TEST ?= 30000x
FUZZ_TARGETS := ./proto:FuzzParse ./proto:FuzzReadValue ./proto/rdb:FuzzReader
# `go run pkg@version` builds staticcheck in the module cache and leaves
# go.mod alone. v0.8.2 is the newest release listed, and it runs on Go 1.26.
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build run test fmt-check vet staticcheck race heavy fuzz bench

build:
	$(GO) build -o bin/shoal ./cmd/shoal

run: build
	./bin/shoal --port $(PORT) --save '' --appendonly no

test: fmt-check vet staticcheck race heavy
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_TEST)

fmt-check:
	@files=$$(gofmt -l .); if [ -n "$$files" ]; then \
		echo "gofmt: these files need formatting (gofmt -w):"; echo "$$files"; exit 1; \
	fi

vet:
	$(GO) vet ./...

staticcheck:
	$(STATICCHECK) ./...

race:
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

# Tests the race detector would slow tenfold run at full size without it
# (under -race they shrink themselves; see netloop/race_on_test.go).
heavy:
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run 'TestPubsubFanout|TestHugeMultibulk|TestCacheEvictionPolicies' ./netloop/

# A renamed fuzz target would make `go test -fuzz` pass without fuzzing
# anything, hence the check that each one exists.
fuzz:
	@for pt in $(FUZZ_TARGETS); do \
		p=$${pt%%:*}; t=$${pt#*:}; \
		grep -q "^func $$t(" $$p/*_test.go || { echo "fuzz target $$t not found in $$p"; exit 1; }; \
		echo "$(GO) test -run '^\$$' -fuzz '^$$t\$$' -fuzztime $(FUZZTIME) $$p/"; \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$p/ || exit 1; \
	done

bench:
	bash bench/run.sh
