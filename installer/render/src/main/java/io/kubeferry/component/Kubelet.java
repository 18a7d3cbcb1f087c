package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The kubelet: KubeletConfiguration, the per-host flags file, the unit and kubeadm's drop-in. Its kubeconfig
 * ({@code /etc/kubernetes/kubelet.conf}) and the client certificate it refers to ({@link #CLIENT_CERT_AND_KEY})
 * come from the PKI module.
 */
public final class Kubelet extends PerHostComponent {
    @Override
    public String name() {
        return "kubelet";
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return inventory.nodes();
    }

    /** Characters that would break the one-line, double-quoted KUBELET_KUBEADM_ARGS in the flags file. */
    private static final Pattern UNSAFE_IN_ENV = Pattern.compile("[\\s\"'\\\\$`]");

    @Override
    public ComponentOutput render(RenderContext context) {
        // the inventory loader refuses such flags and labels, located; this guards the flags file's quoting
        context.cluster().extraArgsFor("kubelet").forEach((k, v) -> {
            if (UNSAFE_IN_ENV.matcher(k + v).find()) {
                throw new IllegalStateException("kubelet extra arg " + k + " cannot go into the kubelet's flags file");
            }
        });
        for (Host h : hosts(context.inventory())) {
            h.labels().forEach((k, v) -> {
                if (UNSAFE_IN_ENV.matcher(k + v).find() || (k + v).contains(",")) {
                    throw new IllegalStateException("label " + k + " of " + h.name() + " cannot go into --node-labels");
                }
            });
        }
        return super.render(context);
    }

    /**
     * The client certificate and key kubelet.conf refers to (the PKI module's {@code PkiLayout.KUBELET_CLIENT_CURRENT};
     * {@code PkiAgreementTest} checks they are the same); the kubelet rotates it.
     */
    public static final String CLIENT_CERT_AND_KEY = "/var/lib/kubelet/pki/kubelet-client-current.pem";

    /** kubeadm's per-node kubelet settings from 1.34 (NodeLocalCRISocket), patched into config.yaml. */
    public static final String INSTANCE_CONFIG = "/var/lib/kubelet/instance-config.yaml";

    /**
     * Node annotation kubeadm 1.32/1.33 sets (through the API) with the node's CRI socket; from 1.34 the socket
     * lives in {@link #INSTANCE_CONFIG} instead and kubeadm no longer sets it.
     */
    public static final String CRI_SOCKET_ANNOTATION = "kubeadm.alpha.kubernetes.io/cri-socket";

    /** True when kubeadm uses NodeLocalCRISocket for this version (beta and on by default from 1.34). */
    public static boolean nodeLocalCriSocket(int minor) {
        return minor >= 34;
    }

    @Override
    protected List<HostFile> files(RenderContext c, Host h) {
        List<HostFile> files = new ArrayList<>(List.of(
                c.file("/etc/systemd/system/kubelet.service", 0644, "kubelet/kubelet.service.ftl", h),
                c.file("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", 0644, "kubelet/10-kubeadm.conf.ftl", h),
                c.file("/var/lib/kubelet/config.yaml", 0644, "kubelet/config.yaml.ftl", h),
                c.file("/var/lib/kubelet/kubeadm-flags.env", 0644, "kubelet/kubeadm-flags.env.ftl", h)));
        if (nodeLocalCriSocket(c.cluster().kubernetesVersion().minor())) {
            files.add(c.file(INSTANCE_CONFIG, 0644, "kubelet/instance-config.yaml.ftl", h));
        }
        return files;
    }

    @Override
    public Map<String, Integer> directoryModes() {
        return Map.of("/var/lib/kubelet", 0700);
    }

    @Override
    public List<String> startCommands(Host host, boolean changed) {
        return Systemd.start("kubelet", changed);
    }

    @Override
    public boolean readsPkiFile(Host host, String hostPath) {
        return hostPath.equals(PKI_DIR + "/ca.crt") || hostPath.equals("/etc/kubernetes/kubelet.conf")
                || hostPath.equals(CLIENT_CERT_AND_KEY);
    }

    @Override
    public java.util.Optional<String> restartCommand(Host host) {
        return java.util.Optional.of(Systemd.restartIfActive("kubelet"));
    }

    @Override
    public java.util.Optional<String> waitRunningCommand(Host host, int seconds) {
        return java.util.Optional.of(Systemd.waitActive("kubelet", seconds));
    }

    @Override
    public List<String> stopCommands(Host host) {
        return Systemd.stop("kubelet");
    }
}
