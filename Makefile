# calltap: build, demo, tests and benchmark. Each target installs the Debian packages it needs
# when they are missing (root, Debian 12), so a fresh machine with only Swift can run it.

SWIFT ?= swift
BUILD_DEPS := pkg-config libpcap-dev libsndfile1-dev libopus-dev libspandsp-dev libbcg729-dev libsrtp2-dev libssl-dev librabbitmq-dev
# sip-tester (SIPp), sox and sqlite3: the live tests (LiveServeTests, RestartTests) place real
# calls on loopback with SIPp peers sending sox tones, and read the tracker's database.
# rabbitmq-server: the cluster tests publish and consume on a real broker (Tests/broker.sh).
# dpkg-dev, patchelf and binutils: deploy/debian/build-deb.sh (dpkg-shlibdeps, RUNPATH, strip);
# libcurl4-openssl-dev: the static Swift runtime's FoundationNetworking (webhooks) links libcurl;
# systemd: DebPackageLiveTests verifies the installed unit with systemd-analyze.
DEB_DEPS := dpkg-dev patchelf binutils libcurl4-openssl-dev
TEST_DEPS := tshark sip-tester sox sqlite3 rabbitmq-server curl openssl $(DEB_DEPS) systemd
DEMO_CAPTURE ?= captures/sipp-g711-tones.pcap
DEMO_OUT ?= recordings

.PHONY: all deps build release deb demo test test-api broker-start broker-stop bench bench-live bench-api bench-srtp alloc-check clean

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

# A Debian package of calltap for this distribution in $(DEB_OUT)/ (deploy/debian/build-deb.sh):
# the release binary with the Swift runtime linked statically (its own build path), its manual,
# completions, the systemd unit and the default configuration. The manual is written by
# swift-argument-parser's generate-manual tool, the one its `generate-manual` plugin runs, from
# this binary: the plugin itself would build the whole package again with its own flags.
DEB_OUT ?= out
deb: EXTRA_DEPS = $(DEB_DEPS)
deb: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-deb
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-deb --product generate-manual
	mkdir -p .build-deb/manual
	.build-deb/release/generate-manual .build-deb/release/calltap --date "$$(git log -1 --format=%cs)" \
		--output-directory .build-deb/manual
	deploy/debian/build-deb.sh --manual .build-deb/manual/calltap.1 .build-deb/release/calltap $(DEB_OUT)

# The main job: record the calls of a bundled capture and show what was written.
demo: release
	.build/release/calltap replay $(DEMO_CAPTURE) --out $(DEMO_OUT)

# The suites that run `calltap serve` against real peers on loopback and judge timing against
# the clients' clocks. They run after the others, one test at a time: on two cores, beside the
# parallel suites, a call was not yet tracked when the test's first command arrived.
LIVE_SUITES := EndToEndTests\.(LiveServeTests|RestartTests|RelocatedStorageTests|CrashRecoveryLiveTests|StorageFaultLiveTests|HostileClientLiveTests|ClusterLiveTests|AgentProvisioningLiveTests|BackupLiveTests|RetentionLiveTests|WhenFullLiveTests|TLSLiveTests|BrokerTLSLiveTests|EncryptionLiveTests|DeployFilesLiveTests|FaceToFaceLiveTests|DeskStreamTests|AnnouncementLiveTests|DebPackageLiveTests|ServiceNotificationLiveTests|ServiceManagerWatchdogTests)/

# The test suite (what CI runs): the parallel suites, then the live ones; fails if either failed.
test: EXTRA_DEPS = $(TEST_DEPS)
# The broker runs on loopback only for the length of `swift test`, and stops also when tests fail.
test: deps
	$(SWIFT) build --build-tests
	@Tests/broker.sh start
	@trap 'Tests/broker.sh stop' EXIT INT TERM; \
	  export CALLTAP_TEST_BROKER="$$(Tests/broker.sh url)"; \
	  $(SWIFT) test --skip-build --skip '$(LIVE_SUITES)'; parallel=$$?; \
	  $(SWIFT) test --skip-build --no-parallel --filter '$(LIVE_SUITES)'; live=$$?; \
	  echo "tests: parallel suites exit $$parallel, live suites exit $$live"; \
	  [ $$parallel -eq 0 ] && [ $$live -eq 0 ]

# The contract against a live server: schemathesis (PyPI, in .venv-api, made on first use) sends
# API_EXAMPLES (100) generated requests per operation, valid and invalid, to `calltap serve` on
# 127.0.0.1:18480 built from this tree, with every check; fails on any finding. The server stops
# when it ends, also on failure.
test-api: EXTRA_DEPS = python3 python3-venv curl
# Built as `make test` builds (with the tests), so that the two share one build.
test-api: deps
	$(SWIFT) build --build-tests
	Tests/contract/schemathesis.sh .build/debug/calltap

# A broker for running cluster tests by hand: CALLTAP_TEST_BROKER=$$(Tests/broker.sh url) swift test --filter Cluster
broker-start: EXTRA_DEPS = rabbitmq-server
broker-start: deps
	Tests/broker.sh start

broker-stop:
	Tests/broker.sh stop

# 200 calls x 60 s of two-way G.711 (1.2 million RTP packets) through `calltap replay`.
bench: EXTRA_DEPS = python3
bench: release
	python3 Benchmarks/bench.py --calltap .build/release/calltap $(BENCH_ARGS)

# The live benchmark: `calltap serve` capturing on a veth pair whose other end is in a network
# namespace of its own, a generated capture (1000 calls x 30 s by default) played into it at its
# own pace; fails if a packet was lost or a recording is wrong. Root only; nothing leaves the
# machine. BENCH_LIVE_ARGS="--calls 2000", "--sweep" (largest clean N), "--soak --soak-minutes 3".
bench-live: EXTRA_DEPS = python3 tcpreplay iproute2 procps gcc
bench-live: release
	python3 Benchmarks/bench_live.py --calltap .build/release/calltap $(BENCH_LIVE_ARGS)

# The Recording API under load: 1000 agents, 200 calls recorded by a paced replay (about 62 s),
# 32 wrk clients for 30 s mixing agent reads and Record commands, then 8 s of each route group
# alone (single-agent reads, commands, GetAll) for p50/p99 per route. Fails if the server did not
# answer or wrote fewer than 200 recordings.
bench-api: EXTRA_DEPS = python3 wrk
bench-api: release
	python3 Benchmarks/api_load.py --calltap .build/release/calltap $(BENCH_API_ARGS)

# Allocations per RTP packet (expected: none), by a malloc counter around two replays.
alloc-check: EXTRA_DEPS = python3 gcc
alloc-check: release
	Benchmarks/alloc_check.sh .build/release/calltap

# Time, allocations and locks per decrypted SRTP packet: libsrtp's own crypto (NSS on Debian)
# against calltap's on libcrypto (Sources/SRTPCrypto), every suite.
bench-srtp: EXTRA_DEPS = gcc
bench-srtp: deps
	mkdir -p Benchmarks/work
	cc -O2 -ISources/SRTPCrypto/include -o Benchmarks/work/srtp_bench Benchmarks/srtp_bench.c \
		Benchmarks/malloc_count.c Sources/SRTPCrypto/SRTPCrypto.c -ldl -lsrtp2 -lcrypto
	Benchmarks/work/srtp_bench

clean:
	rm -rf .build .build-deb $(DEMO_OUT) $(DEB_OUT) Benchmarks/work
