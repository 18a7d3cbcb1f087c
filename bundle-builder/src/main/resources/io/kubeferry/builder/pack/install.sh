#!/bin/sh
# Kubeferry bundle launcher: runs the installer with the bundled Java runtime.
#   ./install                       check the bundle, then list the installer's commands (its --help)
#   ./install <command> [options]   check the bundle, then run that installer command (e.g. ./install check -i inventory.yaml)
#   ./install verify                only check the bundle
# Every run except `verify` itself first checks the bundle against bundle.yaml (set KUBEFERRY_SKIP_VERIFY=1 to
# skip), so a damaged copy stops early.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/runtime/bin/java" ]; then
    java="$here/runtime/bin/java"
elif command -v java >/dev/null 2>&1; then
    java=java
else
    echo "install: no Java runtime in $here/runtime and none on PATH" >&2
    exit 2
fi
run() { "$java" -Dkubeferry.bundle.dir="$here" -jar "$here/installer.jar" "$@"; }
if [ "$#" -eq 0 ]; then
    # the installer has no single "install everything" command yet: show what it can do
    set -- --help
fi
if [ "$1" != verify ] && [ "${KUBEFERRY_SKIP_VERIFY:-0}" != 1 ]; then
    run verify "$here"
fi
run "$@"
