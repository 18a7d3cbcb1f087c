#!/usr/bin/env bash
# Destructive self-test of testbed.sh: down/up cycles, a crashed host, an interrupted `up` and `down`, a
# host that deletes its /dev, containerd and a container torn down by `down`. Checks after each `down`
# that the machine is clean (no mounts, namespaces, links, cgroups, processes or state left; /dev/null
# intact). It takes the test JVMs' lock for its whole run and leaves the testbed DOWN.
#
#   testbed/selftest.sh            (as root; about 30 s)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
T=$here/testbed.sh
STATE=/var/lib/kubeferry-testbed

if [[ ${KUBEFERRY_TESTBED_JVM_LOCK:-} != held ]]; then # hold the JVM lock like a test JVM would
  exec /usr/bin/python3 - "$0" "$@" <<'PY'
import fcntl, os, sys
fd = os.open("/tmp/kubeferry-testbed.lock", os.O_WRONLY | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX)
os.set_inheritable(fd, True)
os.environ["KUBEFERRY_TESTBED_JVM_LOCK"] = "held"
os.execv("/bin/bash", ["bash"] + sys.argv[1:])
PY
fi

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
step() { echo "== $*"; }

assert_clean() {
  local what=$1 left
  left=$( {
    findmnt -rn -o TARGET | grep -E "^$STATE|^/run/netns/kf-h" || true
    ip netns list | grep -E '^kf-h' || true
    ip -br link | grep -E '^(kfbr0|kfv-h)' || true
    find /sys/fs/cgroup -maxdepth 5 -type d -name kubeferry-testbed 2>/dev/null || true
    [[ -e $STATE ]] && echo "$STATE exists"
    ps -eo args | grep -E '_host-init|systemctl _supervise' | grep -v grep || true
  })
  [[ -z $left ]] || fail "$what: leftovers:
$left"
  [[ -c /dev/null ]] || fail "$what: /dev/null is not a character device"
}

ssh_ok() {
  ssh -o BatchMode=yes -o ConnectTimeout=3 -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$STATE/known_hosts \
    -i $STATE/keys/id_rsa "$@"
}

step "clean start"
$T down >/dev/null
assert_clean "initial down"

step "up 3, ssh with the key, the known_hosts file and sudo"
$T up 3 --rate 100mbit >/dev/null
for i in 1 2 3; do
  [[ $(ssh_ok root@10.250.0.1$i hostname) == kf-h$i ]] || fail "ssh root@kf-h$i"
done
[[ $(ssh_ok kfnopass@10.250.0.11 'sudo -n id -u') == 0 ]] || fail "kfnopass passwordless sudo"
if ssh_ok kfuser@10.250.0.11 'sudo -n true' 2>/dev/null; then fail "kfuser sudo must ask for a password"; fi
[[ $(ssh_ok kfuser@10.250.0.11 "echo '$(cat $STATE/password)' | sudo -S -p '' id -u") == 0 ]] || fail "kfuser sudo with password"
tc qdisc show dev kfv-h1 | grep -q tbf || fail "--rate did not shape kfv-h1"

step "containerd (via the systemctl stand-in) with a running container, then down"
img=$(mktemp --suffix=.tar)
"$here/oci/make-busybox-image.sh" "$img" >/dev/null
$T exec kf-h1 sh -c 'cat > /tmp/bb.tar' <"$img"
rm -f "$img"
$T exec kf-h1 sh -c 'systemctl start containerd && for i in $(seq 50); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done
  ctr -n k8s.io images import /tmp/bb.tar >/dev/null && ctr -n k8s.io run -d docker.io/kubeferry/busybox:test long sleep 1000 >/dev/null' ||
  fail "containerd container"
$T down >/dev/null
assert_clean "down with a running container"

step "a host whose pid 1 died is rebuilt by up"
$T up 2 >/dev/null
kill -9 "$(cat $STATE/hosts/kf-h2/init.pid)"
sleep 0.3
$T up 2 >/dev/null
[[ $(ssh_ok root@10.250.0.12 hostname) == kf-h2 ]] || fail "kf-h2 not rebuilt"

step "rm -rf /dev/* inside a host leaves the machine's /dev alone"
$T exec kf-h1 sh -c 'rm -rf /dev/* 2>/dev/null; true'
[[ -c /dev/null && -c /dev/zero && -c /dev/urandom ]] || fail "machine /dev damaged"

step "up interrupted by SIGKILL, then down"
$T down >/dev/null
setsid "$T" up 6 >/dev/null 2>&1 &
pid=$!
sleep 1.5
kill -9 -- -"$pid" 2>/dev/null || true
sleep 0.3
$T down >/dev/null
assert_clean "down after an interrupted up"

step "down interrupted by SIGKILL, then down again"
$T up 3 >/dev/null
setsid "$T" down >/dev/null 2>&1 &
pid=$!
sleep 0.2
kill -9 -- -"$pid" 2>/dev/null || true
sleep 0.3
$T down >/dev/null
assert_clean "second down"

step "up is idempotent"
$T up 2 >/dev/null
out=$($T up 2 2>&1)
grep -q 'reusing' <<<"$out" || fail "second up did not reuse: $out"
$T down >/dev/null
assert_clean "final down"

if ((failures)); then
  echo "selftest: $failures failure(s)"
  exit 1
fi
echo "selftest: all passed"
