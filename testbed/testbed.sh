#!/usr/bin/env bash
# Kubeferry test datacenter: N Linux "hosts" on this machine, each a network namespace with a
# copy-on-write root, its own /dev, /run, /tmp, a real OpenSSH sshd and a systemctl stand-in.
#
#   testbed.sh up N [--rate 10mbit]   bring up kf-h1..kf-hN (reuses a running testbed)
#   testbed.sh down                   remove everything it made (also after a crash / half-made up)
#   testbed.sh status                 list hosts and their state
#   testbed.sh exec HOST CMD...       run CMD inside HOST as root (namespaces entered, not ssh)
#   testbed.sh stop-ssh HOST          kill HOST's sshd (listener and sessions): "unreachable host"
#   testbed.sh start-ssh HOST         start HOST's sshd again
#   testbed.sh shape HOST RATE|none   tc tbf shaping of HOST's link, both directions
#   testbed.sh info                   paths of key, password, known_hosts, hosts.tsv
#
# Safety (see README.md): hosts never see the machine's /dev; every mount a host has lives only in
# the host's own private mount namespace, so killing the host's processes removes its mounts, and
# `down` still checks that nothing is mounted under the state dir before deleting it.
set -euo pipefail

readonly STATE_DIR=/var/lib/kubeferry-testbed
readonly HOSTS_DIR=$STATE_DIR/hosts
readonly SCRIPT_LOCK=/run/lock/kubeferry-testbed-script.lock
readonly BRIDGE=kfbr0
readonly BRIDGE_ADDR=10.250.0.1
readonly NET_PREFIX=10.250.0
readonly HOST_PREFIX=kf-h
readonly TEST_PASSWORD='kf-Test-Pass-42'
readonly MAX_HOSTS=200
readonly TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SELF=$TESTBED_DIR/$(basename "${BASH_SOURCE[0]}")
readonly HOST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { echo "[testbed] $*" >&2; }
die() { echo "[testbed] ERROR: $*" >&2; exit 1; }

host_addr() { echo "$NET_PREFIX.$((10 + $1))"; }
host_index() { # kf-h3 -> 3
  [[ $1 =~ ^${HOST_PREFIX}([0-9]+)$ ]] || die "not a testbed host name: '$1' (expected ${HOST_PREFIX}N)"
  echo "${BASH_REMATCH[1]}"
}
veth_of() { echo "kfv-h$(host_index "$1")"; }

require_tools() { # command -> Debian package that has it
  local missing="" pair
  for pair in /usr/sbin/sshd:openssh-server ssh-keygen:openssh-client ip:iproute2 tc:iproute2 unshare:util-linux \
    nsenter:util-linux findmnt:util-linux pivot_root:util-linux /usr/bin/python3:python3 sudo:sudo \
    useradd:passwd chpasswd:passwd; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair##*:}"
  done
  [[ -z $missing ]] || die "missing tools; apt-get install$(tr ' ' '\n' <<<"$missing" | sort -u | tr '\n' ' ')"
}

require_root() { [[ $(id -u) == 0 ]] || die "must run as root (network namespaces, mounts)"; }

# What a host is made of: bump HOST_LAYOUT when host_init/provision_host change what a host looks like.
# A running testbed of another layout (or stand-in) is rebuilt by `up`; other script edits keep it.
readonly HOST_LAYOUT=1
code_version() {
  echo "layout-$HOST_LAYOUT-$(sha256sum <"$TESTBED_DIR/systemctl-standin.py" | cut -c1-16)"
}

# up and down also take the test JVMs' lock (a POSIX record lock, what Java's FileChannel.lock takes),
# so a shell `down` never pulls hosts from under a running test JVM. Testbed.java holds that lock
# itself and says so with KUBEFERRY_TESTBED_JVM_LOCK=held.
readonly JVM_LOCK=/tmp/kubeferry-testbed.lock
with_jvm_lock() {
  exec /usr/bin/python3 - "$SELF" "$@" <<'PY'
import fcntl, os, sys
fd = os.open("/tmp/kubeferry-testbed.lock", os.O_WRONLY | os.O_CREAT, 0o644)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    print("[testbed] waiting for the test JVM that holds /tmp/kubeferry-testbed.lock", file=sys.stderr)
    fcntl.lockf(fd, fcntl.LOCK_EX)
os.dup2(fd, 8)  # fd 8, inheritable: the lock is this process's and survives exec while fd 8 stays open
os.close(fd)
os.environ["KUBEFERRY_TESTBED_JVM_LOCK"] = "held"
os.execv("/bin/bash", ["bash"] + sys.argv[1:])
PY
}

check_dev_null() {
  if [[ ! -c /dev/null ]]; then
    log "WARNING: /dev/null on the machine is not a character device; recreating it"
    rm -f /dev/null && mknod -m 666 /dev/null c 1 3
  fi
}

# ---------------------------------------------------------------------------------------------
# cgroups: each host gets its own subtree (kubeferry-testbed/kf-hN) below the cgroup of whoever ran
# `up`, in every hierarchy, and a cgroup namespace rooted there, so runc/containerd inside a host see
# their own /sys/fs/cgroup and containers of different hosts never collide.

# Prints "mountpoint<TAB>path-of-this-process-in-it" for every cgroup hierarchy.
cgroup_hierarchies() {
  local target fstype opts line ctrls path
  while read -r target fstype opts; do
    if [[ $fstype == cgroup2 ]]; then
      path=$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)
    else
      path=""
      while IFS= read -r line; do
        ctrls=$(cut -d: -f2 <<<"$line")
        [[ -z $ctrls ]] && continue
        local all=1 c
        for c in ${ctrls//,/ }; do [[ ,$opts, == *,$c,* ]] || all=0; done
        if ((all)); then path=$(cut -d: -f3- <<<"$line"); break; fi
      done </proc/self/cgroup
    fi
    [[ -n $path ]] && printf '%s\t%s\n' "$target" "$path"
  done < <(findmnt -rn -t cgroup,cgroup2 -o TARGET,FSTYPE,OPTIONS)
}

cgroup_is_v2_only() { [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; }

# Creates the host's cgroup dirs and records them in $H/cgroups (one "mountpoint<TAB>dir" a line).
make_host_cgroups() {
  local name=$1 h=$HOSTS_DIR/$1 target path base dir
  : >"$h/cgroups"
  cgroup_is_v2_only && return 0 # v2-only machine: hosts share the machine's tree (see README)
  while IFS=$'\t' read -r target path; do
    base=$target${path%/}/kubeferry-testbed
    dir=$base/$name
    mkdir -p "$dir"
    if [[ -e $target/cpuset.cpus ]]; then # cpuset children start empty: copy the parent's sets
      local d p
      for d in "$base" "$dir"; do
        p=$(dirname "$d")
        [[ -s $d/cpuset.cpus && $(cat "$d/cpuset.cpus") != "" ]] || cat "$p/cpuset.cpus" >"$d/cpuset.cpus"
        [[ $(cat "$d/cpuset.mems") != "" ]] || cat "$p/cpuset.mems" >"$d/cpuset.mems"
      done
    fi
    printf '%s\t%s\n' "$target" "$dir" >>"$h/cgroups"
  done < <(cgroup_hierarchies)
}

# Moves process $2 into host $1's cgroups.
join_host_cgroups() {
  local h=$HOSTS_DIR/$1 pid=$2 target dir
  [[ -f $h/cgroups ]] || return 0
  while IFS=$'\t' read -r target dir; do
    echo "$pid" >"$dir/cgroup.procs"
  done <"$h/cgroups"
}

remove_host_cgroups() {
  local h=$HOSTS_DIR/$1 target dir
  [[ -f $h/cgroups ]] || return 0
  while IFS=$'\t' read -r target dir; do
    [[ -d $dir ]] || continue
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
    rmdir "$(dirname "$dir")" 2>/dev/null || true # kubeferry-testbed, once its last host is gone
  done <"$h/cgroups"
}

# Closes every fd above 2 this shell inherited: a host (or a daemon started in one) lives on after whoever ran
# `up` or `exec`, and an inherited lock fd would hold that lock as long: `flock /tmp/kf-build.lock CMD` hands its
# lock to CMD as fd 3, so hosts started under it kept the shared build lock until `down`.
close_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then
      eval "exec $fd>&-" 2>/dev/null || true
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Launch: joins the host's cgroups, enters its network namespace and makes the other namespaces
# (unshare stays as the parent of the host's pid 1).
host_launch() {
  local name=$1
  join_host_cgroups "$name" "$BASHPID"
  close_inherited_fds
  exec nsenter --net="/run/netns/$name" unshare --mount --uts --ipc --pid --cgroup --fork \
    --propagation private "$SELF" _host-init "$name"
}

# Host init: runs as pid 1 of the host's new pid, mount, uts, ipc and cgroup namespaces (already in
# its network namespace). Builds the root, provisions it, pivots into it, starts sshd, then reaps.

host_init() {
  local name=$1 h=$HOSTS_DIR/$1
  local r=$h/root idx addr
  idx=$(host_index "$name")
  addr=$(host_addr "$idx")
  mount --make-rprivate / # nothing we mount may propagate back to the machine
  hostname "$name"

  mount -t tmpfs -o mode=0755,size=8g kf-rw "$h/rw"
  mkdir -p "$h/rw/upper" "$h/rw/work"
  mount -t overlay kf-root -o "lowerdir=/,upperdir=$h/rw/upper,workdir=$h/rw/work" "$r"
  # every write below goes to $r; make sure it really is the overlay, never the machine's root
  [[ $(findmnt -n -o FSTYPE --mountpoint "$r") == overlay ]] || die "$r is not an overlay mount"

  mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
  mount -t sysfs -o nosuid,nodev,noexec sysfs "$r/sys"
  mount_host_cgroups "$name" "$r"
  make_host_dev "$r/dev"
  mount -t tmpfs -o mode=0755,nosuid,nodev,size=1g kf-run "$r/run"
  mkdir -p "$r/run/lock" "$r/run/sshd" && chmod 1777 "$r/run/lock"
  mount -t tmpfs -o mode=1777,nosuid,nodev,size=4g kf-tmp "$r/tmp"
  mkdir -p "$r/var/lib/containerd"
  mount --bind "$h/containerd" "$r/var/lib/containerd" # plain ext4 dir: containerd overlay snapshots work
  mkdir -p "$r$STATE_DIR"
  mount -t tmpfs -o mode=0700,size=64k kf-hidden "$r$STATE_DIR" # hide keys and other hosts' state

  provision_host "$name" "$addr" "$r"

  mkdir -p "$r/run/.oldroot"
  cd "$r"
  pivot_root . run/.oldroot
  cd /
  umount -l /run/.oldroot
  rmdir /run/.oldroot
  export PATH=$HOST_PATH
  /usr/sbin/sshd -E /var/log/sshd.log
  echo ready >/run/.kf-ready
  # pid 1 of the host: reap orphans forever; killed (SIGKILL from the machine) by `down`
  exec /usr/bin/python3 -c '
import os, time
while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        time.sleep(1)
' </dev/null >/dev/null 2>&1
}

mount_host_cgroups() {
  local name=$1 r=$2 h=$HOSTS_DIR/$1 target dir rel
  if cgroup_is_v2_only; then
    mount --bind /sys/fs/cgroup "$r/sys/fs/cgroup"
    return
  fi
  mount -t tmpfs -o mode=0755,nosuid,nodev,noexec kf-cgroup "$r/sys/fs/cgroup"
  while IFS=$'\t' read -r target dir; do
    rel=${target#/sys/fs/cgroup/}
    mkdir -p "$r/sys/fs/cgroup/$rel"
    mount --bind "$dir" "$r/sys/fs/cgroup/$rel"
  done <"$h/cgroups"
  local link
  for link in /sys/fs/cgroup/*; do # e.g. cpu -> cpu,cpuacct on some machines
    [[ -L $link ]] && ln -s "$(readlink "$link")" "$r/sys/fs/cgroup/$(basename "$link")"
  done
  mount -o remount,ro,bind "$r/sys/fs/cgroup" 2>/dev/null || true
}

# The host's own /dev: a small tmpfs with a few device nodes. Never the machine's devtmpfs (one
# instance for the whole kernel: deleting inside a bound /dev deletes the machine's device nodes).
make_host_dev() {
  local d=$1
  mount -t tmpfs -o mode=0755,nosuid,size=1m kf-dev "$d"
  mknod -m 666 "$d/null" c 1 3
  mknod -m 666 "$d/zero" c 1 5
  mknod -m 666 "$d/full" c 1 7
  mknod -m 666 "$d/random" c 1 8
  mknod -m 666 "$d/urandom" c 1 9
  mknod -m 666 "$d/tty" c 5 0
  mkdir -p "$d/pts" "$d/shm" "$d/mqueue"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts "$d/pts"
  ln -s pts/ptmx "$d/ptmx"
  mount -t tmpfs -o mode=1777,nosuid,nodev,size=256m shm "$d/shm"
  mount -t mqueue -o nosuid,nodev,noexec mqueue "$d/mqueue" 2>/dev/null || true
  ln -s /proc/self/fd "$d/fd"
  ln -s /proc/self/fd/0 "$d/stdin"
  ln -s /proc/self/fd/1 "$d/stdout"
  ln -s /proc/self/fd/2 "$d/stderr"
}

# Writes the host's identity, users, sshd config and stand-ins into its (overlay) root $3.
provision_host() {
  local name=$1 addr=$2 r=$3 h=$HOSTS_DIR/$1
  echo "$name" >"$r/etc/hostname"
  cat >"$r/etc/hosts" <<EOF
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
$addr	$name
EOF
  tr -d '-' </proc/sys/kernel/random/uuid >"$r/etc/machine-id"

  # sshd: only this host's own ed25519 key, so its fingerprint is unambiguous
  rm -f "$r"/etc/ssh/ssh_host_*
  install -m 600 "$h/ssh_host_ed25519_key" "$r/etc/ssh/ssh_host_ed25519_key"
  install -m 644 "$h/ssh_host_ed25519_key.pub" "$r/etc/ssh/ssh_host_ed25519_key.pub"
  cat >"$r/etc/ssh/sshd_config" <<'EOF'
# Kubeferry test host sshd (written by testbed.sh)
Port 22
ListenAddress 0.0.0.0
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication yes
UsePAM yes
UseDNS no
PrintMotd no
MaxSessions 100
MaxStartups 100:30:200
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF

  chroot "$r" /usr/sbin/useradd -m -s /bin/bash kfuser
  chroot "$r" /usr/sbin/useradd -m -s /bin/bash kfnopass
  printf 'root:%s\nkfuser:%s\nkfnopass:%s\n' "$TEST_PASSWORD" "$TEST_PASSWORD" "$TEST_PASSWORD" |
    chroot "$r" /usr/sbin/chpasswd
  local user home
  for user in root kfuser kfnopass; do
    home=$(chroot "$r" getent passwd "$user" | cut -d: -f6)
    mkdir -p "$r$home/.ssh"
    rm -f "$r$home"/.ssh/* # the machine's own keys/known_hosts show through the overlay: hide them
    install -m 600 "$STATE_DIR/keys/id_rsa.pub" "$r$home/.ssh/authorized_keys"
    chroot "$r" chown -R "$user:" "$home/.ssh"
    chmod 700 "$r$home/.ssh"
  done
  install -d -m 750 "$r/etc/sudoers.d"
  printf '%s\n' 'kfuser ALL=(ALL:ALL) ALL' 'kfnopass ALL=(ALL:ALL) NOPASSWD: ALL' >"$r/etc/sudoers.d/kubeferry-testbed"
  chmod 440 "$r/etc/sudoers.d/kubeferry-testbed"

  # no systemd in a host: systemctl (and journalctl) are the stand-in
  install -m 755 "$TESTBED_DIR/systemctl-standin.py" "$r/usr/local/bin/systemctl"
  ln -sf systemctl "$r/usr/local/bin/journalctl"
  [[ -e $r/usr/bin/systemctl ]] && install -m 755 "$TESTBED_DIR/systemctl-standin.py" "$r/usr/bin/systemctl"
  [[ -e $r/usr/bin/journalctl ]] && ln -sf /usr/local/bin/systemctl "$r/usr/bin/journalctl"
  mkdir -p "$r/etc/systemd/system" "$r/var/log"
  echo "$name" >"$r/etc/kubeferry-testbed-host" # lets a test tell a test host from the machine
}

# ---------------------------------------------------------------------------------------------
# Machine side

init_pid() { # prints the host's pid 1 (as seen from the machine) if it is alive and really that host
  local name=$1 pid
  pid=$(cat "$HOSTS_DIR/$name/init.pid" 2>/dev/null) || return 1
  [[ -n $pid && -d /proc/$pid ]] || return 1
  [[ -e /run/netns/$name ]] || return 1
  [[ $(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null) == $(stat -L -c %i "/run/netns/$name") ]] || return 1
  echo "$pid"
}

require_host() {
  init_pid "$1" >/dev/null || die "host $1 is not running (testbed.sh status; testbed.sh up N)"
}

# Closes every descriptor above stderr that this shell inherited: a host (or a daemon started in it) outlives
# whoever ran the script and would hold its locks forever, not only ours (8, 9) but e.g. the fd 3 of a
# `flock LOCKFILE testbed.sh up` or of a build run under flock, which then never gets its lock back.
close_inherited_fds() {
  local fd
  for fd in $(ls /proc/$BASHPID/fd); do
    if ((fd > 2 && fd != 255)); then
      eval "exec $fd>&-" 2>/dev/null || true
    fi
  done
}

# Runs "$@" inside host $1 as root, in all its namespaces and cgroups, with a clean environment.
in_host() {
  local name=$1 pid
  shift
  pid=$(init_pid "$name") || die "host $name is not running"
  (
    join_host_cgroups "$name" "$BASHPID"
    close_inherited_fds # daemons started in the host must not hold the locks of a running `up` or its caller
    exec nsenter --target "$pid" --mount --uts --ipc --net --pid --cgroup --root --wd -- \
      env -i PATH="$HOST_PATH" HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8 \
      TERM="${TERM:-dumb}" "$@"
  )
}

wait_port() { # wait_port ADDR PORT SECONDS [closed]
  local addr=$1 port=$2 secs=$3 want=${4:-open} i
  for ((i = 0; i < (secs > 0 ? secs * 10 : 1); i++)); do
    if timeout 1 bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null; then
      [[ $want == open ]] && return 0
    else
      [[ $want == closed ]] && return 0
    fi
    sleep 0.1
  done
  return 1
}

create_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    if ip -4 route show "$NET_PREFIX.0/24" | grep -q .; then
      die "$NET_PREFIX.0/24 is already routed on this machine (not by $BRIDGE): $(ip -4 route show "$NET_PREFIX.0/24")"
    fi
    ip link add "$BRIDGE" type bridge
    ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
}

create_host() {
  local idx=$1 name=$HOST_PREFIX$1 h=$HOSTS_DIR/$HOST_PREFIX$1 addr veth upid pid i
  addr=$(host_addr "$idx")
  veth=kfv-h$idx
  mkdir -p "$h/rw" "$h/root" "$h/containerd"
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$h/ssh_host_ed25519_key"

  ip netns add "$name"
  ip link add "$veth" type veth peer name eth0 netns "$name"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$name" link set lo up
  ip -n "$name" addr add "$addr/24" dev eth0
  ip -n "$name" link set eth0 up
  ip -n "$name" route add default via "$BRIDGE_ADDR"

  make_host_cgroups "$name"
  # setsid: the host outlives the shell (or JVM) that ran `up`
  # 9>&- 8>&-: the host must not inherit (and so hold forever) the locks of this `up`
  setsid "$SELF" _launch "$name" </dev/null >"$h/init.log" 2>&1 9>&- 8>&- &
  upid=$!
  for ((i = 0; i < 200; i++)); do # once _launch has become unshare, unshare's only child is the host's pid 1
    if [[ $(readlink "/proc/$upid/exe" 2>/dev/null) == */unshare ]]; then
      pid=$(cat "/proc/$upid/task/$upid/children" 2>/dev/null | awk '{print $1}') || true
      [[ -n $pid ]] && break
    fi
    [[ -d /proc/$upid ]] || break
    sleep 0.05
  done
  [[ -n ${pid:-} ]] || die "host $name did not start: $(cat "$h/init.log")"
  echo "$pid" >"$h/init.pid"
  for ((i = 0; i < 300; i++)); do
    [[ -f /proc/$pid/root/run/.kf-ready ]] && break
    [[ -d /proc/$pid ]] || die "host $name failed while starting: $(cat "$h/init.log")"
    sleep 0.05
  done
  [[ -f /proc/$pid/root/run/.kf-ready ]] || die "host $name not ready after 15s: $(cat "$h/init.log")"
}

write_host_tables() {
  local tsv=$STATE_DIR/hosts.tsv.new kh=$STATE_DIR/known_hosts.new name idx fp
  : >"$tsv"
  : >"$kh"
  for ((idx = 1; idx <= MAX_HOSTS; idx++)); do
    name=$HOST_PREFIX$idx
    [[ -d $HOSTS_DIR/$name ]] || break
    fp=$(ssh-keygen -l -E sha256 -f "$HOSTS_DIR/$name/ssh_host_ed25519_key.pub" | awk '{print $2}')
    printf '%s\t%s\t%s\t%s\n' "$name" "$(host_addr "$idx")" 22 "$fp" >>"$tsv"
    printf '%s %s\n' "$(host_addr "$idx")" "$(cut -d' ' -f1,2 "$HOSTS_DIR/$name/ssh_host_ed25519_key.pub")" >>"$kh"
  done
  mv "$tsv" "$STATE_DIR/hosts.tsv"
  mv "$kh" "$STATE_DIR/known_hosts"
}

running_host_count() { # number of consecutive healthy hosts kf-h1..; 0 if the state is not ours/current
  local idx n=0
  [[ -f $STATE_DIR/version && $(cat "$STATE_DIR/version") == $(code_version) ]] || { echo 0; return; }
  ip link show "$BRIDGE" >/dev/null 2>&1 || { echo 0; return; }
  for ((idx = 1; idx <= MAX_HOSTS; idx++)); do
    [[ -d $HOSTS_DIR/$HOST_PREFIX$idx ]] || break
    init_pid "$HOST_PREFIX$idx" >/dev/null || { echo 0; return; }
    n=$idx
  done
  echo "$n"
}

all_host_dirs_count() {
  local n=0 d
  for d in "$HOSTS_DIR"/$HOST_PREFIX*; do [[ -d $d ]] && n=$((n + 1)); done
  echo "$n"
}

cmd_up() {
  local n=${1:-} rate=none t0 have idx
  [[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le $MAX_HOSTS ]] || die "usage: testbed.sh up N [--rate 10mbit] (1 <= N <= $MAX_HOSTS)"
  shift
  while (($#)); do
    case $1 in
      --rate) rate=${2:?--rate needs a value, e.g. 10mbit}; shift 2 ;;
      --rate=*) rate=${1#--rate=}; shift ;;
      *) die "unknown option '$1'" ;;
    esac
  done
  t0=$EPOCHREALTIME
  require_tools
  check_dev_null
  have=$(running_host_count)
  if ((have > 0 && have == $(all_host_dirs_count))); then
    if ((n > have)); then
      log "testbed already up with $have host(s); reusing them, adding $(seq -s ' ' -f "$HOST_PREFIX%g" $((have + 1)) "$n")"
    else
      log "testbed already up with $have host(s); reusing it"
    fi
  else
    if [[ -e $STATE_DIR ]] || ip link show "$BRIDGE" >/dev/null 2>&1 || ls /run/netns 2>/dev/null | grep -q "^$HOST_PREFIX"; then
      log "cleaning up a stale or outdated testbed first"
      do_down
    fi
    have=0
    mkdir -p "$HOSTS_DIR" "$STATE_DIR/keys"
    chmod 700 "$STATE_DIR/keys"
    # RSA in PEM: the one private-key format every SSH client (JSch too) reads
    ssh-keygen -q -t rsa -b 3072 -m PEM -N '' -C kubeferry-testbed -f "$STATE_DIR/keys/id_rsa"
    echo "$TEST_PASSWORD" >"$STATE_DIR/password"
    chmod 600 "$STATE_DIR/password"
    code_version >"$STATE_DIR/version"
    create_bridge
  fi
  UP_DONE=0
  trap 'if ((!UP_DONE)); then log "up failed; removing the half-made testbed"; do_down; fi' EXIT
  for ((idx = have + 1; idx <= n; idx++)); do
    log "creating $HOST_PREFIX$idx ($(host_addr "$idx"))"
    create_host "$idx"
  done
  write_host_tables
  for ((idx = 1; idx <= (n > have ? n : have); idx++)); do
    ensure_sshd "$HOST_PREFIX$idx"
    apply_shape "$HOST_PREFIX$idx" "$rate"
  done
  UP_DONE=1
  trap - EXIT
  log "up: $(wc -l <"$STATE_DIR/hosts.tsv") host(s) ready in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')s"
  cmd_info
}

ensure_sshd() {
  local name=$1 addr
  addr=$(host_addr "$(host_index "$name")")
  if ! wait_port "$addr" 22 0; then
    in_host "$name" /usr/sbin/sshd -E /var/log/sshd.log
  fi
  wait_port "$addr" 22 10 || die "sshd of $name does not answer on $addr:22 (see /var/log/sshd.log inside it)"
}

cmd_start_ssh() {
  local name=${1:?usage: testbed.sh start-ssh HOST}
  require_host "$name"
  ensure_sshd "$name"
}

cmd_stop_ssh() {
  local name=${1:?usage: testbed.sh stop-ssh HOST} addr
  require_host "$name"
  addr=$(host_addr "$(host_index "$name")")
  # the listener and every session: the host must look unreachable for ssh
  in_host "$name" /bin/sh -c '
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/exe" 2>/dev/null)" = /usr/sbin/sshd ] && kill -9 "${p#/proc/}" 2>/dev/null
    done
    rm -f /run/sshd.pid; true'
  wait_port "$addr" 22 5 closed || die "sshd of $name still answers"
}

apply_shape() {
  local name=$1 rate=$2 veth
  veth=$(veth_of "$name")
  if [[ -z $rate || $rate == none ]]; then
    tc qdisc del dev "$veth" root 2>/dev/null || true
    ip netns exec "$name" tc qdisc del dev eth0 root 2>/dev/null || true
  else
    # both directions: machine -> host (veth egress) and host -> machine (eth0 egress in the host)
    tc qdisc replace dev "$veth" root tbf rate "$rate" burst 256kb latency 100ms
    ip netns exec "$name" tc qdisc replace dev eth0 root tbf rate "$rate" burst 256kb latency 100ms
  fi
}

cmd_shape() {
  local name=${1:?usage: testbed.sh shape HOST RATE|none} rate=${2:?usage: testbed.sh shape HOST RATE|none}
  require_host "$name"
  apply_shape "$name" "$rate"
}

cmd_exec() {
  local name=${1:?usage: testbed.sh exec HOST CMD...}
  shift
  (($#)) || die "usage: testbed.sh exec HOST CMD..."
  in_host "$name" "$@"
}

cmd_status() {
  local name idx pid ssh shape
  if [[ ! -d $HOSTS_DIR ]]; then
    echo "testbed is down"
    return 0
  fi
  printf '%-8s %-13s %-8s %-6s %s\n' HOST ADDRESS PID1 SSHD SHAPING
  for ((idx = 1; idx <= MAX_HOSTS; idx++)); do
    name=$HOST_PREFIX$idx
    [[ -d $HOSTS_DIR/$name ]] || break
    pid=$(init_pid "$name") || pid=dead
    if wait_port "$(host_addr "$idx")" 22 0; then ssh=up; else ssh=down; fi
    shape=$(tc qdisc show dev "kfv-h$idx" root 2>/dev/null | grep -o 'rate [^ ]*' || true)
    printf '%-8s %-13s %-8s %-6s %s\n' "$name" "$(host_addr "$idx")" "$pid" "$ssh" "${shape:-none}"
  done
}

cmd_info() {
  echo "private key: $STATE_DIR/keys/id_rsa"
  echo "password:    $STATE_DIR/password"
  echo "known_hosts: $STATE_DIR/known_hosts"
  echo "hosts:       $STATE_DIR/hosts.tsv"
}

# ---------------------------------------------------------------------------------------------
# down: works from any state (crashed run, half-made up, nothing at all)

pids_in_netns() { # every pid whose network namespace is the one at $1
  local nsfile=$1 ino p
  ino=$(stat -L -c %i "$nsfile" 2>/dev/null) || return 0
  for p in /proc/[0-9]*; do
    [[ $(stat -L -c %i "$p/ns/net" 2>/dev/null) == "$ino" ]] && echo "${p#/proc/}"
  done
  return 0
}

pids_in_host_cgroups() {
  local h=$1 target dir
  [[ -f $h/cgroups ]] || return 0
  while IFS=$'\t' read -r target dir; do
    [[ -d $dir ]] && find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null
  done <"$h/cgroups"
  return 0
}

kill_host_processes() {
  local name=$1 h=$HOSTS_DIR/$1 pid round victims
  pid=$(init_pid "$name") && kill -9 "$pid" 2>/dev/null # pid 1 dying takes the whole pid namespace
  for ((round = 0; round < 50; round++)); do
    victims=$( {
      [[ -e /run/netns/$name ]] && pids_in_netns "/run/netns/$name"
      pids_in_host_cgroups "$h"
    } | sort -u | grep -vx -e "$$" -e "$BASHPID" || true)
    [[ -z $victims ]] && return 0
    kill -9 $victims 2>/dev/null || true
    sleep 0.1
  done
  log "WARNING: processes of $name survive SIGKILL: $victims"
}

unmount_below() { # unmounts everything mounted below $1 in the machine's namespace, deepest first
  local dir=$1 m
  local mounts
  mounts=$(findmnt -rn -o TARGET | awk -v d="$dir/" 'index($0, d) == 1' | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-)
  [[ -z $mounts ]] && return 0
  while IFS= read -r m; do
    mount --make-rprivate "$m" 2>/dev/null || true # unmounting a shared mount would propagate
  done <<<"$mounts"
  while IFS= read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "WARNING: cannot unmount $m"
  done <<<"$mounts"
}

do_down() {
  local name d n=0
  # hosts known from the state dir and from leftover network namespaces
  local names
  names=$( {
    for d in "$HOSTS_DIR"/$HOST_PREFIX*; do [[ -d $d ]] && basename "$d"; done
    ls /run/netns 2>/dev/null | grep -E "^${HOST_PREFIX}[0-9]+$"
  } | sort -u || true)
  for name in $names; do
    kill_host_processes "$name"
    n=$((n + 1))
  done
  for name in $names; do
    ip netns del "$name" 2>/dev/null || true
    ip link del "$(veth_of "$name")" 2>/dev/null || true
    remove_host_cgroups "$name"
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  if [[ -d $STATE_DIR ]]; then
    unmount_below "$STATE_DIR"
    if findmnt -rn -o TARGET | awk -v d="$STATE_DIR" '$0 == d || index($0, d "/") == 1' | grep -q .; then
      die "still mounted below $STATE_DIR, not deleting it: $(findmnt -rn -o TARGET | grep "^$STATE_DIR")"
    fi
    rm -rf --one-file-system "$STATE_DIR"
  fi
  check_dev_null
  ((n > 0)) && log "down: removed $n host(s)"
  return 0
}

cmd_down() {
  do_down
  log "testbed is down"
}

# ---------------------------------------------------------------------------------------------

main() {
  local cmd=${1:-}
  [[ -n $cmd ]] || { sed -n '2,17p' "$SELF" | sed 's/^# \{0,1\}//'; exit 2; }
  shift
  case $cmd in
    _launch) host_launch "$@" ;;   # internal: see create_host
    _host-init) host_init "$@" ;; # internal: runs inside the new namespaces
    up | down)
      require_root
      [[ ${KUBEFERRY_TESTBED_JVM_LOCK:-} == held ]] || with_jvm_lock "$cmd" "$@"
      mkdir -p "$(dirname "$SCRIPT_LOCK")"
      exec 9>"$SCRIPT_LOCK"
      flock 9
      "cmd_$cmd" "$@"
      ;;
    status | info | exec | shape) require_root; "cmd_$cmd" "$@" ;;
    stop-ssh) require_root; cmd_stop_ssh "$@" ;;
    start-ssh) require_root; cmd_start_ssh "$@" ;;
    -h | --help | help) sed -n '2,17p' "$SELF" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$cmd' (try: testbed.sh help)" ;;
  esac
}

main "$@"
