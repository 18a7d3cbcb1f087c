package io.kubeferry.testbed.standin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A static pod manifest as read from the staticPodPath: what the stand-in needs of it.
 *
 * @param sha256 of the file's bytes: a change of content restarts the pod, as the kubelet does
 */
record StaticPod(Path file, String sha256, String namespace, String name, List<Container> containers,
                 Map<String, HostPathVolume> volumes) {

    record Container(String name, String image, List<String> command, List<String> args, List<Mount> mounts) {
        /** command + args, the container's whole command line. */
        List<String> commandLine() {
            List<String> all = new ArrayList<>(command);
            all.addAll(args);
            return all;
        }

        /** The {@code --name=value} and {@code --name value} flags of the command line (name without dashes). */
        Map<String, String> flags() {
            Map<String, String> flags = new LinkedHashMap<>();
            List<String> line = commandLine();
            for (int i = 0; i < line.size(); i++) {
                String a = line.get(i);
                if (!a.startsWith("--")) {
                    continue;
                }
                int eq = a.indexOf('=');
                if (eq > 0) {
                    flags.put(a.substring(2, eq), a.substring(eq + 1));
                } else if (i + 1 < line.size() && !line.get(i + 1).startsWith("-")) {
                    flags.put(a.substring(2), line.get(++i));
                } else {
                    flags.put(a.substring(2), "true");
                }
            }
            return flags;
        }

        /**
         * The image's repository name without registry, path or tag: {@code registry.k8s.io/etcd:3.5.16-0} → {@code etcd}.
         */
        String repositoryName() {
            String ref = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
            String last = ref.substring(ref.lastIndexOf('/') + 1);
            return last.contains(":") ? last.substring(0, last.indexOf(':')) : last;
        }

        /**
         * The image's tag: {@code registry.k8s.io/kube-apiserver:v1.33.5} → {@code v1.33.5} (also before a digest,
         * {@code name:tag@sha256:...}); empty when the reference names none ({@code name} or {@code name@sha256:...}).
         * A registry's port is no tag: {@code localhost:5000/pause} has none.
         */
        Optional<String> imageTag() {
            String ref = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
            String last = ref.substring(ref.lastIndexOf('/') + 1);
            return last.contains(":") ? Optional.of(last.substring(last.indexOf(':') + 1)) : Optional.empty();
        }
    }

    record Mount(String volume, String mountPath, boolean readOnly) {
    }

    record HostPathVolume(String path, String type) {
    }

    /**
     * The container's flags with every absolute path value translated to where it lies on the host (through the
     * pod's hostPath volumes; a path no volume covers is left as written), as an in-process stand-in reads them.
     */
    Map<String, String> hostFlags(Container c) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (Map.Entry<String, String> f : c.flags().entrySet()) {
            String v = f.getValue();
            flags.put(f.getKey(), v.startsWith("/") ? hostPath(c, v).map(Path::toString).orElse(v) : v);
        }
        return flags;
    }

    /** namespace/name, for logs as the kubelet writes it. */
    String fullName() {
        return namespace + "/" + name;
    }

    /**
     * Where a path inside {@code c} lies on the host: through the hostPath volume mounted at it or at a parent of it
     * (the deepest mount wins); empty when no hostPath volume covers it.
     */
    Optional<Path> hostPath(Container c, String containerPath) {
        Mount best = null;
        for (Mount m : c.mounts()) {
            String mp = m.mountPath().endsWith("/") ? m.mountPath().substring(0, m.mountPath().length() - 1) : m.mountPath();
            boolean covers = containerPath.equals(mp) || containerPath.startsWith(mp + "/");
            if (covers && volumes.containsKey(m.volume()) && (best == null || mp.length() > best.mountPath().length())) {
                best = m;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        String mp = best.mountPath().replaceAll("/+$", "");
        return Optional.of(Path.of(volumes.get(best.volume()).path() + containerPath.substring(mp.length())));
    }
}
