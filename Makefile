# Kubeferry. `make demo` runs the main job; `make test` runs every test. Both need root (the test
# datacenter uses network namespaces and mounts) and install their Debian packages themselves.
SHELL := /bin/bash
MVN ?= mvn -B -q
TESTBED := testbed/testbed.sh
INSTALLER_JAR := installer/cli/target/installer.jar

.PHONY: all build deps test unit-test demo bench clean testbed-down

all: build

deps:
	bash scripts/install-deps.sh

build:
	$(MVN) install -DskipTests

# Unit and integration tests (the integration tests bring up the test datacenter). The test datacenter is
# taken down afterwards whatever the result.
test: deps
	@set -o pipefail; rc=0; mvn -B -ntp -fae -Dstyle.color=never install || rc=$$?; \
	  bash $(TESTBED) down >/dev/null 2>&1 || true; \
	  bash scripts/test-summary.sh; \
	  test -c /dev/null || { echo "FATAL: /dev/null damaged"; exit 1; }; \
	  exit $$rc

# Unit tests only (no root, no test datacenter).
unit-test:
	$(MVN) install -Dtestbed.skip=true

demo: deps build
	bash scripts/demo.sh

bench: deps build
	bash scripts/bench.sh

testbed-down:
	bash $(TESTBED) down

clean:
	$(MVN) clean
