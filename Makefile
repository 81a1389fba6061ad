# calltap: build, demo, tests and benchmark. Each target installs the Debian packages it needs
# when they are missing (root, Debian 12), so a fresh machine with only Swift can run it.

SWIFT ?= swift
BUILD_DEPS := pkg-config libpcap-dev libsndfile1-dev libopus-dev libspandsp-dev libbcg729-dev
TEST_DEPS := tshark
DEMO_CAPTURE ?= captures/sipp-g711-tones.pcap
DEMO_OUT ?= recordings

.PHONY: all deps build release demo test bench alloc-check clean

all: build

# Installs what is missing of $(BUILD_DEPS) (and of EXTRA_DEPS).
deps:
	@missing=""; for p in $(BUILD_DEPS) $(EXTRA_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The main job: record the calls of a bundled capture and show what was written.
demo: release
	.build/release/calltap replay $(DEMO_CAPTURE) --out $(DEMO_OUT)

# The test suite (what CI runs).
test: EXTRA_DEPS = $(TEST_DEPS)
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# 200 calls x 60 s of two-way G.711 (1.2 million RTP packets) through `calltap replay`.
bench: EXTRA_DEPS = python3
bench: release
	python3 Benchmarks/bench.py --calltap .build/release/calltap $(BENCH_ARGS)

# Allocations per RTP packet (expected: none), by a malloc counter around two replays.
alloc-check: EXTRA_DEPS = python3 gcc
alloc-check: release
	Benchmarks/alloc_check.sh .build/release/calltap

clean:
	rm -rf .build $(DEMO_OUT) Benchmarks/work
