#!/bin/sh
# Kubeferry bundle launcher: runs the installer with the bundled Java runtime.
#   ./install -i inventory.yaml     check the bundle, then install the cluster (installer apply -i inventory.yaml)
#   ./install                       check the bundle, then list the installer's commands (its --help)
#   ./install <command> [options]   check the bundle, then run that installer command (e.g. ./install check -i inventory.yaml)
#   ./install verify                only check the bundle
# Before Java starts, this script checks the bundled runtime's own files (sha256 from bundle.yaml, with coreutils'
# sha256sum) and this machine's glibc, so a damaged copy or an unfit machine gets a clear message instead of a
# crash. Then every run except `verify` itself checks the whole bundle against bundle.yaml (set
# KUBEFERRY_SKIP_VERIFY=1 to skip that second check). KUBEFERRY_JAVA=/path/to/java runs another Java 17+ instead of
# the bundled one. Exit codes: 2 bad input, 3 a damaged bundle or an unfit machine.
# Plain POSIX sh (dash, bash, busybox ash) and POSIX awk (mawk, gawk, busybox), for old distributions too.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# the newest glibc the bundled runtime needs, filled in by bundle-builder (empty: nothing to check)
runtime_glibc='@RUNTIME_GLIBC@'

# fail CODE FIRST-LINE [MORE-LINES...]
fail() {
    code=$1
    printf 'install: %s\n' "$2" >&2
    shift 2
    [ "$#" -eq 0 ] || printf '%s\n' "$@" >&2
    exit "$code"
}

# "sha256  path" for the files Java needs to start (runtime/..., installer.jar), from bundle.yaml's files: list
startup_files() {
    awk '
        function unquote(v) {
            sub(/^[ \t]+/, "", v); sub(/[ \t\r]+$/, "", v)
            f = substr(v, 1, 1)
            if (length(v) >= 2 && (f == "\"" || f == sprintf("%c", 39)) && substr(v, length(v), 1) == f) {
                v = substr(v, 2, length(v) - 2)
            }
            return v
        }
        function emit() {
            if (path != "" && sha != "" && (path == "installer.jar" || substr(path, 1, 8) == "runtime/")) {
                print sha "  " path
            }
            path = ""; sha = ""
        }
        /^[^ #-]/ { emit(); infiles = ($0 ~ /^files:/); next }
        !infiles { next }
        /^[ ]*- / { emit(); sub(/^[ ]*- /, "  ") }
        /^[ ]*path:/ { v = $0; sub(/^[ ]*path:/, "", v); path = unquote(v) }
        /^[ ]*sha256:/ { v = $0; sub(/^[ ]*sha256:/, "", v); v = unquote(v); if (length(v) == 64) sha = v }
        END { emit() }
    ' "$1"
}

# this machine glibc version (major.minor), empty when unknown (no glibc: musl, or no getconf/ldd)
host_glibc() {
    v=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed -n 's/^glibc \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')
    if [ -z "$v" ]; then
        v=$(ldd --version 2>/dev/null | sed -n '1s/.*[^0-9.]\([0-9][0-9]*\.[0-9][0-9]*\)$/\1/p')
    fi
    printf '%s' "$v"
}

# true when version $1 >= version $2 (major.minor)
at_least() {
    a=${1%%.*}; b=${1#*.}; b=${b%%.*}
    c=${2%%.*}; d=${2#*.}; d=${d%%.*}
    [ "$a" -gt "$c" ] || { [ "$a" -eq "$c" ] && [ "$b" -ge "$d" ]; }
}

check_runtime() {
    if ! command -v sha256sum >/dev/null 2>&1; then
        echo "install: warning: no sha256sum (coreutils) on this machine: the Java runtime's files are not checked before it starts" >&2
        return 0
    fi
    bad=$(printf '%s\n' "$1" | (cd "$here" && LC_ALL=C sha256sum -c - 2>/dev/null) | grep -v ': OK$' || true)
    if [ -n "$bad" ]; then
        report=$(printf '%s\n' "$bad" | sed -e 's/: FAILED open or read$/: missing or unreadable/' \
            -e 's/: FAILED$/: damaged (its sha256 differs from bundle.yaml)/' -e 's/^/  /')
        fail 3 "the bundled Java runtime is damaged, so it was not started:" "$report" \
            "Unpack the bundle again from its archive (tar xzf kubeferry-<version>-linux-<arch>.tar.gz) or copy it again."
    fi
}

check_glibc() {
    [ -n "$runtime_glibc" ] || return 0
    have=$(host_glibc)
    if [ -z "$have" ]; then
        fail 3 "the bundled Java runtime needs glibc $runtime_glibc or newer, and this machine has no glibc that getconf GNU_LIBC_VERSION or ldd --version reports (musl-based systems such as Alpine cannot run it)." \
            "Run ./install on another Linux machine, or set KUBEFERRY_JAVA=/path/to/java (Java 17 or newer)."
    fi
    if ! at_least "$have" "$runtime_glibc"; then
        fail 3 "the bundled Java runtime needs glibc $runtime_glibc or newer; this machine has glibc $have." \
            "Run ./install on a newer machine (it only needs SSH to the hosts), or set KUBEFERRY_JAVA=/path/to/java (Java 17 or newer)."
    fi
}

[ -f "$here/bundle.yaml" ] || fail 3 "$here/bundle.yaml is missing: the bundle is incomplete; unpack it again (tar xzf kubeferry-<version>-linux-<arch>.tar.gz)"
files=$(startup_files "$here/bundle.yaml")
cds=
if [ -n "${KUBEFERRY_JAVA:-}" ]; then
    java=$KUBEFERRY_JAVA
elif printf '%s\n' "$files" | grep -q '  runtime/bin/java$'; then
    check_runtime "$files"
    check_glibc
    java="$here/runtime/bin/java"
    if [ -f "$here/runtime/lib/installer.jsa" ]; then
        cds="$here/runtime/lib/installer.jsa"
        # the archive matches installer.jar only with the mtime the bundle gives it (tar xzf keeps it; other
        # copies may not): put it back, best effort (the content is what bundle.yaml checks)
        TZ=UTC0 touch -t 202601010000.00 "$here/installer.jar" 2>/dev/null || true
    fi
elif command -v java >/dev/null 2>&1; then
    java=java
else
    fail 2 "this bundle has no Java runtime (a bundle for several architectures) and there is no java on PATH: install Java 17 or newer, or set KUBEFERRY_JAVA=/path/to/java"
fi

run() {
    if [ -n "$cds" ]; then
        # the class-data-sharing archive made at build time: faster start; silently unused if it does not match
        "$java" "-XX:SharedArchiveFile=$cds" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off \
            -Dkubeferry.bundle.dir="$here" -jar "$here/installer.jar" "$@"
    else
        "$java" -Dkubeferry.bundle.dir="$here" -jar "$here/installer.jar" "$@"
    fi
}
if [ "$#" -eq 0 ]; then
    set -- --help
fi
case "$1" in
    -i|--inventory|--inventory=*|-i?*) set -- apply "$@" ;;  # ./install -i inventory.yaml: the install itself
esac
if [ "$1" != verify ] && [ "${KUBEFERRY_SKIP_VERIFY:-0}" != 1 ]; then
    run verify "$here"
    # checked once: apply's verify-bundle phase does not hash the bundle again
    KUBEFERRY_BUNDLE_VERIFIED=1
    export KUBEFERRY_BUNDLE_VERIFIED
fi
run "$@"
