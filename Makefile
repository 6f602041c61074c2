# EdgeBci: the two commands a new user needs are `make run` and `make test`.
# Every target restores what it needs; nothing has to be installed by hand beyond the .NET SDK.

DOTNET        ?= dotnet
CONFIGURATION ?= Release
RID           ?= linux-arm64
VERSION       := $(shell sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
ARTIFACTS     := artifacts
BUNDLE        := $(ARTIFACTS)/edgebci-firmware-$(VERSION)-$(RID).tar.gz
STAGE         := $(ARTIFACTS)/stage/$(RID)
BOARDS        := $(basename $(notdir $(wildcard hardware/boards/*.json)))
COMMIT        := $(or $(shell git rev-parse HEAD 2>/dev/null),unknown)

.PHONY: all restore build run pair test system-test bench soak publish clean

all: build

restore:
	$(DOTNET) restore EdgeBci.sln

build: restore
	$(DOTNET) build EdgeBci.sln -c $(CONFIGURATION) --no-restore

# The firmware on the embedded defaults: emulated ADS1299 replaying the shipped demo recording in real time.
run: restore
	$(DOTNET) run --project firmware/EdgeBci.Firmware -c $(CONFIGURATION) --no-restore

# A one-time code that pairs a browser with the wearer's page of the firmware `make run` started (http://127.0.0.1:8080).
pair: restore
	$(DOTNET) run --project src/EdgeBci.Cli -c $(CONFIGURATION) --no-restore -- pair

# Every test project; the last line sums them up as "tests: N passed, M failed". The broker tests start their own
# mosquitto processes on loopback ports: .ci/mosquitto installs Debian's mosquitto package when it is missing.
test: restore
	@bash .ci/mosquitto
	@bash .ci/chromium
	@bash .ci/test-summary $(DOTNET) test EdgeBci.sln -c $(CONFIGURATION) --no-restore --filter "TestCategory!=System"

# The release under a real systemd (a Debian container booted with systemd-nspawn) and the arm64 build on an emulated
# arm64 machine (qemu-system-aarch64). Slower than `make test`; .ci/system-packages installs what they need.
system-test: restore
	@bash .ci/system-packages
	@bash .ci/test-summary $(DOTNET) test tests/EdgeBci.System.Tests -c $(CONFIGURATION) --no-restore --filter "TestCategory=System" --logger "console;verbosity=normal"

# BenchmarkDotNet micro-benchmarks, the decoder's int8/fp32 inference latency (p50/p99), the pipeline replay and the
# 10-minute firmware run, then the 60 s real-time acquisition soak at 16,000 SPS.
bench: restore
	$(DOTNET) run --project tests/EdgeBci.Benchmarks -c Release --no-restore -- all

soak: restore
	$(DOTNET) run --project tests/EdgeBci.Benchmarks -c Release --no-restore -- soak 60 16000

# The signed release bundle deploy/install.sh installs: self-contained firmware and CLI for $(RID) and the deploy files,
# staged in $(STAGE), listed in manifest.txt and signed with SIGN_KEY by the build host's own CLI (the arm64 CLI cannot
# run here). The key never goes in the repository: keep it in a folder of its own.
publish:
	@if [ -z "$(SIGN_KEY)" ]; then \
		echo "make publish: SIGN_KEY is not set. A bundle is signed; make a release key once with" >&2; \
		echo "  dotnet run --project src/EdgeBci.Cli -- release keygen --out ~/edgebci-keys/release   (i.e. edgebci release keygen)" >&2; \
		echo "keep it outside the repository (keys never go in the repo), install its .pub.pem in /etc/edgebci/trust on each unit, then:" >&2; \
		echo "  make publish SIGN_KEY=~/edgebci-keys/release.key [RID=linux-arm64|linux-x64]" >&2; \
		exit 2; \
	fi
	@test -f "$(SIGN_KEY)" || { echo "make publish: SIGN_KEY=$(SIGN_KEY): no such key file" >&2; exit 2; }
	$(DOTNET) restore EdgeBci.sln
	rm -rf $(STAGE) $(BUNDLE)
	$(DOTNET) publish firmware/EdgeBci.Firmware -c Release -r $(RID) --self-contained -p:PublishSingleFile=false -o $(STAGE)/firmware
	$(DOTNET) publish src/EdgeBci.Cli -c Release -r $(RID) --self-contained -o $(STAGE)/cli
	mkdir -p $(STAGE)/deploy
	cp deploy/install.sh deploy/verify-bundle.sh deploy/edgebci-firmware.service deploy/99-edgebci.rules $(STAGE)/deploy/
	if [ -f deploy/edgebci-slots ]; then cp deploy/edgebci-slots $(STAGE)/deploy/; fi
	$(DOTNET) run --project src/EdgeBci.Cli -c Release --no-restore -- release sign --key "$(abspath $(SIGN_KEY))" \
		--stage $(STAGE) --version $(VERSION) --rid $(RID) --boards "$(BOARDS)" --commit $(COMMIT) --out $(BUNDLE)
	@echo "bundle: $(BUNDLE)"

clean:
	$(DOTNET) clean EdgeBci.sln -c $(CONFIGURATION) >/dev/null
	rm -rf $(ARTIFACTS) BenchmarkDotNet.Artifacts
