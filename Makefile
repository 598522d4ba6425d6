# ietkit — see README.md.
GO       ?= go
PREFIX   ?= /usr/local
DESTDIR  ?=
SBINDIR  := $(DESTDIR)$(PREFIX)/sbin
BINDIR   := bin
CMDS     := iet-update lvmcopy stonith-proxy snapsync
# The old lvm-tools names, installed as links to lvmcopy.
ALIASES  := lvm_copy lvm_snap_create lvm_snap_remove lvm_snap_copy lvm_iostat
FUZZTIME ?= 10s
# package:FuzzTarget pairs run by make fuzz
FUZZ     := ./pkg/targetconf:FuzzParse ./pkg/ietd/iet:FuzzParseVolume ./pkg/ietd/iet:FuzzParseSession \
            ./pkg/ietd/tgt:FuzzParseShow ./pkg/lvm:FuzzParseEndpoint ./pkg/lvm:FuzzParseToolsConf \
            ./pkg/lvm:FuzzParseLVs ./pkg/lvm:FuzzAgentHello ./pkg/lvm:FuzzParseDiskstats \
            ./pkg/remote:FuzzShellQuote ./pkg/fence:FuzzParseRequest ./pkg/fence:FuzzParseConfig \
            ./pkg/snapdrivers:FuzzParseServiceFile ./pkg/snapdrivers/necism:FuzzParseMessages \
            ./pkg/snapdrivers/necism:FuzzParseBVDetail ./pkg/snapdrivers/ibmds:FuzzParseLsflash \
            ./pkg/snapdrivers/ibmds:FuzzParseMessages ./pkg/snapdrivers/ibmds:FuzzParseDateSynced \
            ./pkg/snapdrivers/symclone:FuzzParseQuery ./pkg/snapdrivers/symclone:FuzzParseLDList \
            ./pkg/snapdrivers/symclone:FuzzParseOperation ./pkg/snapdrivers/symclone:FuzzParseActionTime \
            ./pkg/snapdrivers/gds:FuzzParseVolumes ./pkg/snapdrivers/gds:FuzzParseSlices

# The real-kernel tier: tests that need device-mapper (LVM) run in a
# throwaway qemu VM, one per package (test/vmtier/README.md). Root.
KT_DIR   ?= /var/tmp/ietkit-vmtier
VM_PKGS  ?= ./pkg/lvm/

.PHONY: all build test test-vm test-vm-smoke fuzz bench demo install clean

all: build

build:
	$(GO) build -o $(BINDIR)/ $(addprefix ./cmd/,$(CMDS))

# Unit and integration tests. Integration tests need root, iptables and
# network namespaces; they skip without them unless IETKIT_TEST_DISALLOW_SKIP=1
# (CI sets it, so there a missing tool is a failure).
test:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) test -count=1 ./...

# Setup takes about 15 s the first time, under a second after.
test-vm:
	test/vmtier/setup.sh "$(KT_DIR)"
	KT_DIR="$(KT_DIR)" CGO_ENABLED=0 $(GO) test -exec "$(CURDIR)/test/vmtier/vm-exec.sh" -count=1 $(VM_PKGS)

test-vm-smoke:
	test/vmtier/setup.sh "$(KT_DIR)"
	KT_DIR="$(KT_DIR)" test/vmtier/vm-exec.sh test/vmtier/guest-test.sh

# Each parser's fuzz target for a bounded time.
fuzz:
	GO="$(GO)" test/fuzz.sh $(FUZZTIME) $(FUZZ)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

demo:
	./scripts/demo.sh

install: build
	install -d $(SBINDIR)
	for c in $(CMDS); do install -m 0755 $(BINDIR)/$$c $(SBINDIR)/$$c; done
	for a in $(ALIASES); do ln -sf lvmcopy $(SBINDIR)/$$a; done
	ln -sf stonith-proxy $(SBINDIR)/fence_ietkit_proxy

clean:
	rm -rf $(BINDIR)
