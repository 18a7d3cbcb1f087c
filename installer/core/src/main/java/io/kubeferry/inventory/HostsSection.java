package io.kubeferry.inventory;

import io.kubeferry.yaml.Suggest;
import io.kubeferry.yaml.YamlCursor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code hosts:} list: each entry's ranges expanded, names, addresses, roles, labels, taints and SSH. */
final class HostsSection {
    static final Set<String> HOST_KEYS = Set.of("name", "address", "internalAddress", "roles", "labels", "taints", "ssh");
    static final Set<String> TAINT_KEYS = Set.of("key", "value", "effect");
    private static final Pattern TAINT_TEXT = Pattern.compile("([^=:]+)(=([^:]*))?:(\\w+)");

    /** A host and where it was written, for cross-checks that must point at the file. */
    record Entry(Host host, YamlCursor cursor, YamlCursor addressCursor, YamlCursor internalCursor, YamlCursor rolesCursor) {
    }

    private final SshSection ssh;

    HostsSection(SshSection ssh) {
        this.ssh = ssh;
    }

    List<Entry> parse(YamlCursor c, SshSection.Draft sshDefaults) {
        Map<String, YamlCursor> f = c.fields(HOST_KEYS);
        String name = Syntax.text(f.get("name"));
        String address = Syntax.text(f.get("address"));
        String internal = Syntax.text(f.get("internalAddress"));
        if (name == null) {
            c.error("missing 'name' of the host");
        }
        if (address == null) {
            c.error("missing 'address' (the IP or DNS name the installer reaches over SSH)");
        }
        if (name == null || address == null) {
            return List.of();
        }
        List<String> names = expand(f.get("name"), name);
        List<String> addresses = expand(f.get("address"), address);
        List<String> internals = internal == null ? null : expand(f.get("internalAddress"), internal);
        if (names == null || addresses == null || (internal != null && internals == null)) {
            return List.of();
        }
        if (names.size() != addresses.size() || (internals != null && internals.size() != names.size())) {
            c.error("name expands to " + names.size() + " hosts but address to " + addresses.size()
                    + (internals != null ? " and internalAddress to " + internals.size() : "")
                    + "; use ranges of the same length (e.g. name: node[01:20], address: 10.0.0.[11:30])");
            return List.of();
        }
        Set<Role> roles = roles(c, f.get("roles"));
        Map<String, String> labels = f.containsKey("labels") ? labels(f.get("labels")) : Map.of();
        List<Taint> taints = new ArrayList<>();
        if (f.containsKey("taints")) {
            for (YamlCursor t : f.get("taints").items()) {
                Optional.ofNullable(taint(t)).ifPresent(taints::add);
            }
        }
        SshSection.Draft merged = (f.containsKey("ssh") ? ssh.parse(f.get("ssh")) : SshSection.Draft.EMPTY).over(sshDefaults);
        ssh.checkCredentials(merged, c, name);
        SshSettings settings = SshSection.settings(merged);
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (!Syntax.DNS_SUBDOMAIN.matcher(n).matches() || n.length() > 253) {
                f.get("name").error("host name '" + n + "' must be a DNS name: lowercase letters, digits, '-' and '.'");
                continue;
            }
            String a = addresses.get(i);
            if (!Syntax.isIpOrDnsName(a)) {
                f.get("address").error("'" + a + "' is neither an IP address nor a DNS name");
                continue;
            }
            String in = internals != null ? internals.get(i) : a;
            if (!Cidr.isIpLiteral(in)) {
                (internals != null ? f.get("internalAddress") : f.get("address")).error(internals != null
                        ? "internalAddress '" + in + "' must be an IP address"
                        : "address '" + a + "' is a DNS name: also give internalAddress, the IP the cluster uses");
                continue;
            }
            out.add(new Entry(new Host(n, a, in, settings, roles, labels, taints), c, f.get("address"),
                    f.containsKey("internalAddress") ? f.get("internalAddress") : f.get("address"),
                    f.getOrDefault("roles", c)));
        }
        return out;
    }

    private static Set<Role> roles(YamlCursor host, YamlCursor rc) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        if (rc == null) {
            host.error("missing 'roles': control-plane, worker and/or etcd");
            return roles;
        }
        List<String> written = rc.strings();
        for (String r : written) {
            Optional<Role> role = Role.fromYaml(r);
            if (role.isEmpty()) {
                String hint = Suggest.closest(r, Arrays.stream(Role.values()).map(Role::yamlName).toList())
                        .map(s -> "; did you mean '" + s + "'?").orElse("");
                rc.error("unknown role '" + r + "'" + hint + " (roles: control-plane, worker, etcd)");
            } else {
                roles.add(role.get());
            }
        }
        if (roles.isEmpty() && written.isEmpty()) {
            rc.error("give at least one role: control-plane, worker or etcd");
        }
        return roles;
    }

    private static Map<String, String> labels(YamlCursor c) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (var e : c.entries().entrySet()) {
            String key = e.getKey();
            if (!Syntax.LABEL_KEY.matcher(key).matches()) {
                e.getValue().error("'" + key + "' is not a valid label key");
                continue;
            }
            if (kubeletMayNotSet(key)) {
                e.getValue().error("the kubelet may not set labels under kubernetes.io or k8s.io (except"
                        + " kubelet.kubernetes.io and node.kubernetes.io); apply it through the API after the install instead");
                continue;
            }
            e.getValue().string().ifPresent(v -> {
                if (!Syntax.LABEL_VALUE.matcher(v).matches() || v.length() > 63) {
                    e.getValue().error("'" + v + "' is not a valid label value (63 characters: letters, digits, '-', '_', '.')");
                } else {
                    labels.put(key, v);
                }
            });
        }
        return labels;
    }

    /** The NodeRestriction rule: labels the kubelet (--node-labels) may not set on its own node. */
    private static boolean kubeletMayNotSet(String labelKey) {
        int slash = labelKey.indexOf('/');
        if (slash < 0) {
            return false;
        }
        String prefix = labelKey.substring(0, slash);
        boolean k8s = prefix.equals("kubernetes.io") || prefix.endsWith(".kubernetes.io")
                || prefix.equals("k8s.io") || prefix.endsWith(".k8s.io");
        boolean allowed = prefix.equals("kubelet.kubernetes.io") || prefix.endsWith(".kubelet.kubernetes.io")
                || prefix.equals("node.kubernetes.io") || prefix.endsWith(".node.kubernetes.io");
        return k8s && !allowed;
    }

    private static Taint taint(YamlCursor t) {
        if (t.node() instanceof org.yaml.snakeyaml.nodes.ScalarNode) {
            Optional<String> s = t.string();
            if (s.isEmpty()) return null;
            Matcher m = TAINT_TEXT.matcher(s.get());
            if (!m.matches()) {
                t.error("'" + s.get() + "' is not a taint; write key=value:Effect or key:Effect");
                return null;
            }
            return checkedTaint(t, m.group(1), m.group(3) == null ? "" : m.group(3), m.group(4));
        }
        Map<String, YamlCursor> f = t.fields(TAINT_KEYS);
        String key = Syntax.text(f.get("key"));
        String effect = Syntax.text(f.get("effect"));
        if (key == null || effect == null) {
            t.error("a taint needs 'key' and 'effect'");
            return null;
        }
        return checkedTaint(t, key, Optional.ofNullable(Syntax.text(f.get("value"))).orElse(""), effect);
    }

    private static Taint checkedTaint(YamlCursor t, String key, String value, String effect) {
        if (!Taint.EFFECTS.contains(effect)) {
            t.error("taint effect '" + effect + "' must be one of NoSchedule, PreferNoSchedule, NoExecute");
            return null;
        }
        if (!Syntax.LABEL_KEY.matcher(key).matches()) {
            t.error("'" + key + "' is not a valid taint key");
            return null;
        }
        return new Taint(key, value, effect);
    }

    private static List<String> expand(YamlCursor c, String text) {
        String[] error = new String[1];
        Optional<List<String>> out = Ranges.expand(text, error);
        if (out.isEmpty()) {
            c.error(error[0]);
            return null;
        }
        return out.get();
    }
}
