package io.kubeferry.testbed.standin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The kubelet command line as the real kubelet (pflag) reads it: {@code --flag=value}, {@code --flag value}, a bare
 * {@code --boolflag}; only flags the real kubelet has (the ones Kubeferry's templates or a user's KUBELET_EXTRA_ARGS
 * may pass). Anything else is refused with the real kubelet's wording.
 *
 * @param values flag name without dashes → value (the last occurrence wins, as in pflag)
 */
public record KubeletFlags(Map<String, String> values) {

    /** Real kubelet flags taking a value, which the stand-in accepts (most are only logged). */
    static final Set<String> VALUE_FLAGS = Set.of(
            "address", "authentication-token-webhook-cache-ttl", "authorization-mode", "bootstrap-kubeconfig",
            "cert-dir", "cgroup-driver", "cgroup-root", "client-ca-file", "cloud-config", "cloud-provider",
            "cluster-dns", "cluster-domain", "config", "config-dir", "container-log-max-files", "container-log-max-size",
            "container-runtime-endpoint", "enforce-node-allocatable", "eviction-hard", "eviction-soft",
            "feature-gates", "healthz-bind-address", "healthz-port", "hostname-override", "image-gc-high-threshold",
            "image-gc-low-threshold", "image-service-endpoint", "kube-reserved", "kubeconfig", "log-flush-frequency",
            "max-pods", "node-ip", "node-labels", "node-status-update-frequency", "pod-infra-container-image",
            "pod-manifest-path", "port", "provider-id", "read-only-port", "register-with-taints", "resolv-conf",
            "root-dir", "runtime-request-timeout", "system-reserved", "tls-cert-file", "tls-cipher-suites",
            "tls-min-version", "tls-private-key-file", "v", "vmodule");

    /** Real kubelet boolean flags: {@code --flag}, {@code --flag=true|false}. */
    static final Set<String> BOOL_FLAGS = Set.of(
            "anonymous-auth", "authentication-token-webhook", "fail-swap-on", "help", "register-node",
            "register-schedulable", "rotate-certificates", "rotate-server-certificates", "version");

    /** A command line the real kubelet refuses; {@link #getMessage()} is its wording ({@code unknown flag: --x}). */
    public static final class BadFlagException extends Exception {
        BadFlagException(String message) {
            super(message);
        }
    }

    public static KubeletFlags parse(List<String> args) throws BadFlagException {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                if (i + 1 < args.size()) {
                    throw new BadFlagException("unknown command \"" + args.get(i + 1) + "\" for \"kubelet\"");
                }
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                throw new BadFlagException("unknown command \"" + arg + "\" for \"kubelet\"");
            }
            String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            if (!arg.startsWith("--") && !name.equals("v") && !name.equals("h")) {
                throw new BadFlagException("unknown shorthand flag: '" + name.charAt(0) + "' in " + arg);
            }
            if (name.equals("h")) {
                name = "help";
            }
            if (BOOL_FLAGS.contains(name)) {
                String v = eq < 0 ? "true" : body.substring(eq + 1);
                if (!v.equals("true") && !v.equals("false")) {
                    throw new BadFlagException("invalid argument \"" + v + "\" for \"--" + name + "\" flag: strconv.ParseBool: parsing \""
                            + v + "\": invalid syntax");
                }
                values.put(name, v);
            } else if (VALUE_FLAGS.contains(name)) {
                if (eq >= 0) {
                    values.put(name, body.substring(eq + 1));
                } else if (i + 1 < args.size()) {
                    values.put(name, args.get(++i));
                } else {
                    throw new BadFlagException("flag needs an argument: " + arg);
                }
            } else {
                throw new BadFlagException("unknown flag: --" + name);
            }
        }
        return new KubeletFlags(Map.copyOf(values));
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name)).filter(v -> !v.isEmpty());
    }

    public boolean bool(String name, boolean fallback) {
        String v = values.get(name);
        return v == null ? fallback : Boolean.parseBoolean(v);
    }
}
