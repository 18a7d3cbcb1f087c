package io.kubeferry.component;

import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.KubernetesVersion;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every image a rendered file names. The defaults follow kubeadm's constants per minor version; a bundle
 * that ships other tags passes its own set.
 */
public record ImageSet(String kubeApiserver, String kubeControllerManager, String kubeScheduler, String kubeProxy,
                       String etcd, String coredns, String pause, String haproxy, String flannel,
                       String flannelCniPlugin) {

    /** kubeadm's defaults (constants.go) for the cluster's version, under the inventory's image repository. */
    public static ImageSet defaultsFor(ClusterSpec spec) {
        KubernetesVersion v = spec.kubernetesVersion();
        String repo = spec.imageRepository();
        String etcdTag;
        String corednsTag;
        String pauseTag;
        switch (v.minor()) {
            case 32 -> { etcdTag = "3.5.24-0"; corednsTag = "v1.11.3"; pauseTag = "3.10"; }
            case 33 -> { etcdTag = "3.5.24-0"; corednsTag = "v1.12.0"; pauseTag = "3.10"; }
            default -> { etcdTag = "3.6.4-0"; corednsTag = "v1.12.1"; pauseTag = "3.10.1"; }
        }
        // kubeadm adds the extra coredns/ path only for the default repository
        String coredns = ClusterSpec.DEFAULT_IMAGE_REPOSITORY.equals(repo)
                ? repo + "/coredns/coredns:" + corednsTag : repo + "/coredns:" + corednsTag;
        return new ImageSet(repo + "/kube-apiserver:" + v.tag(), repo + "/kube-controller-manager:" + v.tag(),
                repo + "/kube-scheduler:" + v.tag(), repo + "/kube-proxy:" + v.tag(), repo + "/etcd:" + etcdTag,
                coredns, repo + "/pause:" + pauseTag, "docker.io/library/haproxy:3.0.5-alpine",
                "docker.io/flannel/flannel:v0.26.1", "docker.io/flannel/flannel-cni-plugin:v1.6.0-flannel1");
    }

    /** The etcd image tag, e.g. {@code 3.6.4-0}. */
    public String etcdTag() {
        return etcd.substring(etcd.lastIndexOf(':') + 1);
    }

    /** etcd 3.6 renamed the experimental flags kubeadm sets (reference 3.6). */
    public boolean etcdAtLeast36() {
        String[] parts = etcdTag().split("[.-]");
        int major = Integer.parseInt(parts[0]);
        int minor = Integer.parseInt(parts[1]);
        return major > 3 || (major == 3 && minor >= 6);
    }

    Map<String, Object> toModel() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kubeApiserver", kubeApiserver);
        m.put("kubeControllerManager", kubeControllerManager);
        m.put("kubeScheduler", kubeScheduler);
        m.put("kubeProxy", kubeProxy);
        m.put("etcd", etcd);
        m.put("coredns", coredns);
        m.put("pause", pause);
        m.put("haproxy", haproxy);
        m.put("flannel", flannel);
        m.put("flannelCniPlugin", flannelCniPlugin);
        return m;
    }
}
