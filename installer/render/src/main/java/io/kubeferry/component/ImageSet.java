package io.kubeferry.component;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.KubernetesVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every image a rendered file names. They must be exactly the images the bundle ships, so they come from an
 * image list: the bundle's own ({@link #fromList}) or the repository's {@code images/kubernetes-1.<minor>.txt}
 * built into the jar ({@link #defaultsFor}).
 */
public record ImageSet(String kubeApiserver, String kubeControllerManager, String kubeScheduler, String kubeProxy,
                       String etcd, String coredns, String pause, String haproxy, String flannel,
                       String flannelCniPlugin) {
    static final String BUILT_IN_LISTS = "/io/kubeferry/render/images/";
    private static final List<String> KUBE = List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler",
            "kube-proxy");
    private static final List<String> NAMES = List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler",
            "kube-proxy", "etcd", "coredns", "pause", "haproxy", "flannel", "flannel-cni-plugin");

    /**
     * The built-in list for the cluster's minor version. Kubernetes images take the inventory's exact version
     * (the list is for one patch release); every name follows the inventory's image repository as kubeadm does.
     */
    public static ImageSet defaultsFor(ClusterSpec spec) {
        String file = "kubernetes-" + spec.kubernetesVersion().minorVersion() + ".txt";
        try (InputStream in = ImageSet.class.getResourceAsStream(BUILT_IN_LISTS + file)) {
            if (in == null) {
                throw new BadInputException("cluster.kubernetesVersion", "no built-in image list for "
                        + spec.kubernetesVersion().minorVersion() + " (" + file + ")");
            }
            List<String> refs = parseList(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return build(spec, refs, false, "built-in " + file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The images of a bundle. Its Kubernetes images must carry the inventory's version: a bundle for another
     * release is an input error, not something to discover when pods fail to start.
     *
     * @param source where the list came from, for messages (e.g. the bundle's manifest path)
     */
    public static ImageSet fromList(ClusterSpec spec, List<String> refs, String source) {
        return build(spec, refs, true, source);
    }

    /** One reference per line, {@code #} comments and blank lines ignored (the images/ format). */
    public static List<String> parseList(String text) {
        List<String> refs = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (!l.isEmpty() && !l.startsWith("#")) {
                refs.add(l);
            }
        }
        return refs;
    }

    private static ImageSet build(ClusterSpec spec, List<String> refs, boolean strictKubeTag, String source) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (String ref : refs) {
            byName.putIfAbsent(name(ref), ref);
        }
        List<Problem> problems = new ArrayList<>();
        for (String n : NAMES) {
            if (!byName.containsKey(n)) {
                problems.add(Problem.error(source, "no '" + n + "' image in the list; the rendered files need it"));
            }
        }
        KubernetesVersion v = spec.kubernetesVersion();
        if (strictKubeTag) {
            for (String n : KUBE) {
                if (byName.containsKey(n) && !byName.get(n).endsWith(":" + v.tag())) {
                    problems.add(Problem.error(source, byName.get(n) + " does not match the inventory's "
                            + "kubernetesVersion " + v + "; use a bundle built for " + v.tag()));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
        String repo = spec.imageRepository();
        boolean defaultRepo = ClusterSpec.DEFAULT_IMAGE_REPOSITORY.equals(repo);
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : KUBE) {
            m.put(n, repo + "/" + n + ":" + v.tag());
        }
        for (String n : List.of("etcd", "pause")) {
            m.put(n, defaultRepo ? byName.get(n) : repo + "/" + n + ":" + tag(byName.get(n)));
        }
        // kubeadm adds the extra coredns/ path only for the default repository
        m.put("coredns", defaultRepo ? byName.get("coredns") : repo + "/coredns:" + tag(byName.get("coredns")));
        return new ImageSet(m.get("kube-apiserver"), m.get("kube-controller-manager"), m.get("kube-scheduler"),
                m.get("kube-proxy"), m.get("etcd"), m.get("coredns"), m.get("pause"), byName.get("haproxy"),
                byName.get("flannel"), byName.get("flannel-cni-plugin"));
    }

    /** {@code registry/path/name:tag} -> {@code name}. */
    static String name(String ref) {
        String noDigest = ref.contains("@") ? ref.substring(0, ref.indexOf('@')) : ref;
        String last = noDigest.substring(noDigest.lastIndexOf('/') + 1);
        return last.contains(":") ? last.substring(0, last.indexOf(':')) : last;
    }

    static String tag(String ref) {
        String last = ref.substring(ref.lastIndexOf('/') + 1);
        return last.contains(":") ? last.substring(last.indexOf(':') + 1) : "latest";
    }

    /** The etcd image tag, e.g. {@code 3.6.4-0}. */
    public String etcdTag() {
        return tag(etcd);
    }

    /** etcd 3.6 renamed the experimental flags kubeadm sets (reference 3.6). */
    public boolean etcdAtLeast36() {
        String[] parts = etcdTag().split("[.-]");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = Integer.parseInt(parts[1]);
            return major > 3 || (major == 3 && minor >= 6);
        } catch (RuntimeException e) {
            throw new BadInputException("images", "cannot read the etcd version from the tag of " + etcd
                    + "; etcd tags look like 3.6.4-0");
        }
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
