#!/usr/bin/python3
"""systemctl STAND-IN for Kubeferry test hosts (which have no systemd).

Installed by testbed.sh as /usr/local/bin/systemctl (and over /usr/bin/systemctl) inside each test host;
invoked as `journalctl` it prints a unit's log. It reads real unit files from /etc/systemd/system,
/run/systemd/system, /lib/systemd/system and /usr/lib/systemd/system (first found wins), with drop-ins
<unit>.d/*.conf, and runs the service's ExecStartPre/ExecStart/ExecStartPost/ExecStop with Environment=,
EnvironmentFile= and $VAR/${VAR} expansion like systemd.

A started service runs under a small supervisor process (this script, `_supervise UNIT`) that keeps the
pid files, appends the service's output to /var/log/systemctl-standin/UNIT.log and honours Restart=
(always / on-failure) with RestartSec=. Not implemented (on purpose, this is a test stand-in): sd_notify
readiness (Type=notify is treated as simple), socket activation, timers, targets, dependencies
(After=/Requires= are ignored), sandboxing options, cgroup limits.

Commands: start stop restart try-restart reload-or-restart reload enable disable is-active is-enabled
is-failed status show daemon-reload reset-failed mask unmask cat list-units; options --now -q/--quiet
--no-pager --no-block --system -l/--full --value -p/--property.
"""
import glob
import os
import re
import shlex
import signal
import subprocess
import sys
import time

UNIT_DIRS = ["/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"]
RUN_DIR = "/run/systemctl-standin"
LOG_DIR = "/var/log/systemctl-standin"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
RESETTABLE = {"ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop", "ExecReload", "Environment",
              "EnvironmentFile", "WantedBy", "RequiredBy"}
STOP_TIMEOUT_DEFAULT = 10.0


class UnitError(Exception):
    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------------------------------------ units

def unit_name(name):
    return name if "." in name else name + ".service"


def find_unit_file(name):
    for d in UNIT_DIRS:
        p = os.path.join(d, name)
        if os.path.lexists(p):
            return p
    return None


def is_masked(name):
    p = os.path.join("/etc/systemd/system", name)
    return os.path.islink(p) and os.readlink(p) == "/dev/null"


def parse_ini(path, into):
    """Appends key values of a unit file to into[section][key] (lists); an empty value resets the list."""
    section = None
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        while line.endswith("\\") and i < len(lines):  # continuation lines
            line = line[:-1] + " " + lines[i].strip()
            i += 1
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            into.setdefault(section, {})
            continue
        if "=" not in line or section is None:
            continue
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        values = into[section].setdefault(key, [])
        if value == "" and key in RESETTABLE:
            values.clear()
        else:
            values.append(value)


class Unit:
    def __init__(self, name):
        self.name = unit_name(name)
        self.path = find_unit_file(self.name)
        if self.path is None:
            raise UnitError("Unit %s not found." % self.name, 5)
        self.masked = is_masked(self.name)
        self.data = {}
        self.dropins = []
        if not self.masked:
            parse_ini(self.path, self.data)
            by_name = {}
            for d in reversed(UNIT_DIRS):  # a drop-in in /etc overrides one of the same name in /lib
                for p in glob.glob(os.path.join(d, self.name + ".d", "*.conf")):
                    by_name[os.path.basename(p)] = p
            for base in sorted(by_name):
                self.dropins.append(by_name[base])
                parse_ini(by_name[base], self.data)

    def get(self, section, key, default=None):
        values = self.data.get(section, {}).get(key, [])
        return values[-1] if values else default

    def get_all(self, section, key):
        return list(self.data.get(section, {}).get(key, []))

    def service(self, key, default=None):
        return self.get("Service", key, default)

    # file names of state and log
    def run_file(self, kind):
        return os.path.join(RUN_DIR, "%s.%s" % (self.name, kind))

    def log_file(self):
        return os.path.join(LOG_DIR, self.name + ".log")

    def environment(self):
        env = {"PATH": DEFAULT_PATH, "LANG": os.environ.get("LANG", "C.UTF-8")}
        for value in self.get_all("Service", "Environment"):
            for word in shlex.split(value):
                if "=" in word:
                    k, v = word.split("=", 1)
                    env[k] = v
        for value in self.get_all("Service", "EnvironmentFile"):
            optional = value.startswith("-")
            path = value[1:] if optional else value
            try:
                env.update(read_env_file(path))
            except FileNotFoundError:
                if not optional:
                    raise UnitError("%s: EnvironmentFile %s not found" % (self.name, path))
        return env


def read_env_file(path):
    env = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;" or "=" not in line:
                continue
            k, v = line.split("=", 1)
            k = k.strip()
            if k.startswith("export "):
                k = k[len("export "):].strip()
            words = shlex.split(v, comments=False) if v.strip() else [""]
            env[k] = " ".join(words)
    return env


VAR_WORD = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
VAR_ANY = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def command_line(unit, line, env):
    """Splits an Exec*= line like systemd: a lone $VAR becomes several words, ${VAR} stays one."""
    ignore_failure = False
    while line and line[0] in "-@+!:":
        if line[0] == "-":
            ignore_failure = True
        line = line[1:]
    line = line.replace("%n", unit.name).replace("%N", unit.name.rsplit(".", 1)[0]).replace("%%", "%")
    argv = []
    for word in shlex.split(line):
        m = VAR_WORD.match(word)
        if m:
            argv.extend(env.get(m.group(1), "").split())
        else:
            argv.append(VAR_ANY.sub(lambda mm: env.get(mm.group(1) or mm.group(2), ""), word))
    if not argv:
        raise UnitError("%s: empty command line" % unit.name)
    return argv, ignore_failure


# ------------------------------------------------------------------------------------------------ processes

def read_pid(path):
    try:
        with open(path) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def parse_seconds(value, default):
    if value is None:
        return default
    value = value.strip()
    if value == "infinity":
        return 3600.0
    total = 0.0
    for num, unit in re.findall(r"([\d.]+)\s*(ms|min|s|m|h)?", value):
        n = float(num)
        total += {"ms": n / 1000, "s": n, "": n, None: n, "min": n * 60, "m": n * 60, "h": n * 3600}[unit]
    return total


def preexec_for(unit):
    user = unit.service("User")
    group = unit.service("Group")
    limits = {"LimitNOFILE": "RLIMIT_NOFILE", "LimitNPROC": "RLIMIT_NPROC", "LimitCORE": "RLIMIT_CORE"}
    wanted = {getattr(__import__("resource"), r): unit.service(k) for k, r in limits.items() if unit.service(k)}

    def preexec():
        import resource
        for res, value in wanted.items():
            try:
                _, hard = resource.getrlimit(res)
                if value == "infinity":
                    resource.setrlimit(res, (hard, hard))
                else:
                    n = int(value.split(":")[0])
                    resource.setrlimit(res, (n, max(n, hard) if hard != resource.RLIM_INFINITY else hard))
            except (ValueError, OSError):
                pass
        if user:
            import pwd
            import grp
            pw = pwd.getpwnam(user)
            gid = grp.getgrnam(group).gr_gid if group else pw.pw_gid
            os.initgroups(user, gid)
            os.setgid(gid)
            os.setuid(pw.pw_uid)

    return preexec


def run_foreground(unit, key, env, log):
    """Runs every Exec line of `key` in order (ExecStartPre...); a failing one without '-' fails the unit."""
    for line in unit.get_all("Service", key):
        argv, ignore = command_line(unit, line, env)
        rc = subprocess.call(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             cwd=unit.service("WorkingDirectory", "/").lstrip("-"), preexec_fn=preexec_for(unit))
        if rc != 0 and not ignore:
            raise UnitError("%s: %s %s failed with exit code %d (log: %s)" % (unit.name, key, argv[0], rc,
                                                                              unit.log_file()))


def supervise(name):
    """Runs in the background: starts the main process, restarts it per Restart=, stops it on SIGTERM."""
    unit = Unit(name)
    env = unit.environment()
    stopping = {"flag": False}
    current = {"proc": None}
    restart = unit.service("Restart", "no")
    restart_sec = parse_seconds(unit.service("RestartSec"), 0.1)
    kill_mode = unit.service("KillMode", "control-group")
    stop_timeout = parse_seconds(unit.service("TimeoutStopSec"), STOP_TIMEOUT_DEFAULT)

    def on_term(signum, frame):
        stopping["flag"] = True
        proc = current["proc"]
        if proc is not None and proc.poll() is None:
            kill_service(proc, signal.SIGTERM, kill_mode)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    write_file(unit.run_file("pid"), "%d\n" % os.getpid())
    log = open(unit.log_file(), "ab", buffering=0)
    remove(unit.run_file("result"))
    while not stopping["flag"]:
        argv, _ = command_line(unit, unit.get_all("Service", "ExecStart")[-1], env)
        log.write(("-- stand-in: starting %s: %s\n" % (unit.name, " ".join(argv))).encode())
        try:
            proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    cwd=unit.service("WorkingDirectory", "/").lstrip("-"),
                                    start_new_session=True, preexec_fn=preexec_for(unit))
        except OSError as e:
            log.write(("-- stand-in: cannot execute %s: %s\n" % (argv[0], e)).encode())
            write_file(unit.run_file("result"), "203\n")
            break
        current["proc"] = proc
        write_file(unit.run_file("mainpid"), "%d\n" % proc.pid)
        write_file(unit.run_file("since"), "%d\n" % int(time.time()))
        deadline = None
        while proc.poll() is None:
            if stopping["flag"]:
                deadline = deadline or time.time() + stop_timeout
                if time.time() > deadline:
                    kill_service(proc, signal.SIGKILL, kill_mode)
            time.sleep(0.1)
        rc = proc.returncode
        remove(unit.run_file("mainpid"))
        log.write(("-- stand-in: %s main process exited, code %s\n" % (unit.name, rc)).encode())
        write_file(unit.run_file("result"), "%d\n" % (0 if stopping["flag"] else rc))
        again = restart == "always" or (restart in ("on-failure", "on-abnormal", "on-abort") and rc != 0)
        if stopping["flag"] or not again:
            break
        write_file(unit.run_file("restarting"), "1\n")
        end = time.time() + restart_sec
        while time.time() < end and not stopping["flag"]:
            time.sleep(0.05)
        remove(unit.run_file("restarting"))
    if kill_mode == "control-group":  # leftovers of the service's process group
        try:
            os.killpg(current["proc"].pid, signal.SIGKILL) if current["proc"] else None
        except ProcessLookupError:
            pass
    remove(unit.run_file("pid"))


def kill_service(proc, sig, kill_mode):
    try:
        if kill_mode == "process":  # containerd: shims must survive a restart
            proc.send_signal(sig)
        else:
            os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def state_of(unit):
    """(ActiveState, SubState) like systemd's."""
    if read_pid(unit.run_file("pid")):
        if os.path.exists(unit.run_file("restarting")):
            return "activating", "auto-restart"
        return "active", "running"
    if os.path.exists(unit.run_file("active")):  # oneshot with RemainAfterExit
        return "active", "exited"
    try:
        with open(unit.run_file("result")) as f:
            if f.read().strip() not in ("", "0"):
                return "failed", "failed"
    except FileNotFoundError:
        pass
    return "inactive", "dead"


def start(unit):
    if unit.masked:
        raise UnitError("Failed to start %s: Unit %s is masked." % (unit.name, unit.name))
    if state_of(unit)[0] in ("active", "activating"):
        return
    os.makedirs(RUN_DIR, exist_ok=True)
    os.makedirs(LOG_DIR, exist_ok=True)
    env = unit.environment()
    kind = unit.service("Type", "simple")
    with open(unit.log_file(), "ab", buffering=0) as log:
        run_foreground(unit, "ExecStartPre", env, log)
        if kind == "oneshot":
            remove(unit.run_file("result"))
            try:
                run_foreground(unit, "ExecStart", env, log)
            except UnitError:
                write_file(unit.run_file("result"), "1\n")
                raise
            if unit.service("RemainAfterExit", "no") in ("yes", "true", "1", "on"):
                write_file(unit.run_file("active"), "1\n")
            run_foreground(unit, "ExecStartPost", env, log)
            return
        if not unit.get_all("Service", "ExecStart"):
            raise UnitError("%s has no ExecStart=" % unit.name)
        remove(unit.run_file("result"))
        # detached: setsid, no inherited stdio, so an ssh session that ran `systemctl start` can end
        subprocess.Popen([sys.executable, os.path.realpath(__file__), "_supervise", unit.name],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                         close_fds=True, env={"PATH": DEFAULT_PATH, "LANG": "C.UTF-8"})
        for _ in range(50):  # wait for the supervisor's pid file, then a short grace time for early crashes
            if read_pid(unit.run_file("pid")):
                break
            time.sleep(0.02)
        time.sleep(0.3)
        active, sub = state_of(unit)
        if active == "failed" or (active == "inactive" and not os.path.exists(unit.run_file("pid"))):
            raise UnitError("Job for %s failed because the control process exited with error code.\n"
                            "See \"journalctl -u %s\" (stand-in log: %s) for details."
                            % (unit.name, unit.name, unit.log_file()))
        run_foreground(unit, "ExecStartPost", env, log)


def stop(unit):
    remove(unit.run_file("active"))
    sup = read_pid(unit.run_file("pid"))
    if not sup:
        return
    if unit.get_all("Service", "ExecStop"):
        with open(unit.log_file(), "ab", buffering=0) as log:
            try:
                run_foreground(unit, "ExecStop", unit.environment(), log)
            except UnitError as e:
                log.write(("-- stand-in: %s\n" % e).encode())
    os.kill(sup, signal.SIGTERM)
    deadline = time.time() + parse_seconds(unit.service("TimeoutStopSec"), STOP_TIMEOUT_DEFAULT) + 5
    while pid_alive(sup) and time.time() < deadline:
        time.sleep(0.05)
    if pid_alive(sup):
        os.kill(sup, signal.SIGKILL)


# ------------------------------------------------------------------------------------------------ install

def wants_links(unit):
    links = []
    for key, suffix in (("WantedBy", ".wants"), ("RequiredBy", ".requires")):
        for value in unit.get_all("Install", key):
            for target in value.split():
                links.append(os.path.join("/etc/systemd/system", target + suffix, unit.name))
    return links


def enable(unit, quiet):
    links = wants_links(unit)
    if not links:
        if not quiet:
            print("The unit files have no installation config (WantedBy=, RequiredBy=).", file=sys.stderr)
        return
    for link in links:
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if not os.path.islink(link):
            os.symlink(unit.path, link)
            if not quiet:
                print("Created symlink %s \u2192 %s." % (link, unit.path), file=sys.stderr)


def disable(unit, quiet):
    for link in glob.glob(os.path.join("/etc/systemd/system", "*.wants", unit.name)) + \
            glob.glob(os.path.join("/etc/systemd/system", "*.requires", unit.name)):
        os.unlink(link)
        if not quiet:
            print("Removed \"%s\"." % link, file=sys.stderr)


def enabled_state(unit):
    if unit.masked:
        return "masked"
    if any(os.path.islink(l) for l in wants_links(unit)) or \
            glob.glob(os.path.join("/etc/systemd/system", "*.wants", unit.name)):
        return "enabled"
    return "disabled" if wants_links(unit) else "static"


# ------------------------------------------------------------------------------------------------ commands

def status(unit):
    active, sub = state_of(unit)
    enabled = enabled_state(unit)
    desc = unit.get("Unit", "Description", unit.name)
    print("%s %s - %s" % ("\u25cf" if active == "active" else "\u25cb", unit.name, desc))
    print("     Loaded: loaded (%s; %s) [systemctl stand-in]" % (unit.path, enabled))
    if unit.dropins:
        print("    Drop-In: %s" % "\n             ".join(unit.dropins))
    since = ""
    try:
        with open(unit.run_file("since")) as f:
            since = " since " + time.strftime("%a %Y-%m-%d %H:%M:%S UTC", time.gmtime(int(f.read())))
    except (OSError, ValueError):
        pass
    print("     Active: %s (%s)%s" % (active, sub, since if active != "inactive" else ""))
    main = read_pid(unit.run_file("mainpid"))
    if main:
        print("   Main PID: %d" % main)
    print()
    tail(unit, 10)
    return 0 if active == "active" else 3


def tail(unit, n):
    try:
        with open(unit.log_file(), "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            lines = f.read().decode("utf-8", "replace").splitlines()
        for line in lines[-n:] if n else lines:
            print(line)
    except FileNotFoundError:
        pass


def show(unit, props, value_only):
    active, sub = state_of(unit)
    main = read_pid(unit.run_file("mainpid")) or 0
    values = {
        "Id": unit.name, "Names": unit.name, "LoadState": "masked" if unit.masked else "loaded",
        "ActiveState": active, "SubState": sub, "MainPID": str(main), "UnitFileState": enabled_state(unit),
        "FragmentPath": unit.path, "Description": unit.get("Unit", "Description", unit.name),
        "Type": unit.service("Type", "simple"), "Restart": unit.service("Restart", "no"),
        "DropInPaths": " ".join(unit.dropins),
    }
    for key in props or sorted(values):
        v = values.get(key, "")
        print(v if value_only else "%s=%s" % (key, v))


def journalctl(args):
    units, n = [], 0
    it = iter(args)
    for a in it:
        if a in ("-u", "--unit"):
            units.append(unit_name(next(it)))
        elif a.startswith("--unit="):
            units.append(unit_name(a.split("=", 1)[1]))
        elif a.startswith("-u") and len(a) > 2:
            units.append(unit_name(a[2:]))
        elif a in ("-n", "--lines"):
            n = int(next(it))
        elif a.startswith("--lines="):
            n = int(a.split("=", 1)[1])
    if not units:
        print("journalctl stand-in: only -u UNIT [-n N] is supported", file=sys.stderr)
        return 1
    for u in units:
        try:
            tail(Unit(u), n)
        except UnitError:
            pass
    return 0


def main(argv):
    if os.path.basename(argv[0]) == "journalctl":
        return journalctl(argv[1:])
    if len(argv) > 2 and argv[1] == "_supervise":
        supervise(argv[2])
        return 0
    now = quiet = value_only = False
    props = []
    words = []
    it = iter(argv[1:])
    for a in it:
        if a == "--now":
            now = True
        elif a in ("-q", "--quiet"):
            quiet = True
        elif a == "--value":
            value_only = True
        elif a in ("-p", "--property"):
            props.extend(next(it).split(","))
        elif a.startswith("--property="):
            props.extend(a.split("=", 1)[1].split(","))
        elif a in ("--no-pager", "--no-block", "--system", "-l", "--full", "--no-legend", "--no-ask-password",
                   "--plain"):
            pass
        elif a.startswith("-"):
            print("systemctl stand-in: option %s is not supported" % a, file=sys.stderr)
            return 1
        else:
            words.append(a)
    if not words:
        print("systemctl stand-in: a command is needed", file=sys.stderr)
        return 1
    cmd, names = words[0], words[1:]
    if cmd == "daemon-reload":  # unit files are read on every call anyway
        return 0
    if cmd == "list-units":
        os.makedirs(RUN_DIR, exist_ok=True)
        for p in sorted(glob.glob(os.path.join(RUN_DIR, "*.pid"))):
            u = Unit(os.path.basename(p)[:-4])
            print("%s loaded %s %s" % ((u.name,) + state_of(u)))
        return 0
    if cmd == "is-system-running":
        print("running")
        return 0
    if not names:
        print("systemctl stand-in: %s needs a unit name" % cmd, file=sys.stderr)
        return 1
    rc = 0
    for name in names:
        try:
            if cmd in ("mask", "unmask"):
                link = os.path.join("/etc/systemd/system", unit_name(name))
                if cmd == "mask":
                    os.makedirs("/etc/systemd/system", exist_ok=True)
                    remove(link)
                    os.symlink("/dev/null", link)
                elif is_masked(unit_name(name)):
                    os.unlink(link)
                continue
            unit = Unit(name)
            if cmd == "start":
                start(unit)
            elif cmd == "stop":
                stop(unit)
            elif cmd in ("restart", "reload-or-restart"):
                stop(unit)
                start(unit)
            elif cmd == "try-restart":
                if state_of(unit)[0] == "active":
                    stop(unit)
                    start(unit)
            elif cmd == "reload":
                if not unit.get_all("Service", "ExecReload"):
                    raise UnitError("Failed to reload %s: Job type reload is not applicable for unit %s."
                                    % (unit.name, unit.name))
                with open(unit.log_file(), "ab", buffering=0) as log:
                    run_foreground(unit, "ExecReload", unit.environment(), log)
            elif cmd == "enable":
                enable(unit, quiet)
                if now:
                    start(unit)
            elif cmd == "disable":
                disable(unit, quiet)
                if now:
                    stop(unit)
            elif cmd == "is-active":
                active = state_of(unit)[0]
                if not quiet:
                    print(active)
                rc = rc or (0 if active == "active" else 3)
            elif cmd == "is-failed":
                active = state_of(unit)[0]
                if not quiet:
                    print(active)
                rc = rc or (0 if active == "failed" else 1)
            elif cmd == "is-enabled":
                state = enabled_state(unit)
                if not quiet:
                    print(state)
                rc = rc or (0 if state in ("enabled", "static") else 1)
            elif cmd == "status":
                rc = rc or status(unit)
            elif cmd == "show":
                show(unit, props, value_only)
            elif cmd == "cat":
                for p in [unit.path] + unit.dropins:
                    print("# " + p)
                    with open(p) as f:
                        print(f.read())
            elif cmd == "reset-failed":
                remove(unit.run_file("result"))
            else:
                print("systemctl stand-in: command %s is not supported" % cmd, file=sys.stderr)
                return 1
        except UnitError as e:
            if cmd in ("is-active", "is-failed", "is-enabled", "status") and e.code == 5:
                if not quiet:
                    print("inactive" if cmd == "is-active" else "not-found" if cmd == "is-enabled" else str(e))
                rc = rc or (4 if cmd == "status" else 3 if cmd == "is-active" else 1)
                continue
            print(str(e), file=sys.stderr)
            rc = e.code if e.code != 5 else 5
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
