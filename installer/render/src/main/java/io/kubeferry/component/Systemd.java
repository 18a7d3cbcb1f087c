package io.kubeferry.component;

import io.kubeferry.host.Shell;

import java.util.List;

/** systemctl command lines shared by components that own a unit. */
final class Systemd {
    private Systemd() {
    }

    /** Restart only when a file changed; otherwise just make sure it is enabled and running. */
    static List<String> start(String unit, boolean changed) {
        String u = Shell.quote(unit);
        if (changed) {
            return List.of("systemctl daemon-reload", "systemctl enable " + u, "systemctl restart " + u);
        }
        return List.of("systemctl enable --now " + u);
    }

    /** Stops and disables the unit; succeeds when the unit does not exist. */
    static List<String> stop(String unit) {
        String u = Shell.quote(unit);
        return List.of("if systemctl cat " + u + " >/dev/null 2>&1; then systemctl disable --now " + u + "; fi");
    }

    /** Restarts the unit only where it runs; prints "restarted" when it did. */
    static String restartIfActive(String unit) {
        String u = Shell.quote(unit);
        return "if systemctl is-active --quiet " + u + "; then systemctl restart " + u + " && echo restarted; fi";
    }

    /** Exits 0 once the unit is active again, at once where it is not installed; fails after {@code seconds}. */
    static String waitActive(String unit, int seconds) {
        String u = Shell.quote(unit);
        return "systemctl is-enabled --quiet " + u + " 2>/dev/null || exit 0; i=0; while [ $i -lt " + seconds
                + " ]; do systemctl is-active --quiet " + u + " && exit 0; sleep 1; i=$((i+1)); done; exit 1";
    }

    /** After unit files are removed, systemd must forget them. */
    static String reload() {
        return "systemctl daemon-reload";
    }
}
