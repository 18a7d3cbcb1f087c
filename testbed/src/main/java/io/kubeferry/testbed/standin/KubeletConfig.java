package io.kubeferry.testbed.standin;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The fields of the kubelet's {@code --config} file (KubeletConfiguration, kubelet.config.k8s.io/v1beta1) that the
 * stand-in acts on, with the real kubelet's defaults; the command line's flags override them as in the kubelet.
 */
public record KubeletConfig(String staticPodPath, String healthzBindAddress, int healthzPort, String cgroupDriver,
                            boolean failSwapOn, String clientCAFile, String resolvConf, boolean rotateCertificates) {

    static final KubeletConfig DEFAULTS = new KubeletConfig(null, "127.0.0.1", 10248, "cgroupfs", true, null, "/etc/resolv.conf",
            false);

    /** The config file (when --config is given) with the flags that override it applied. */
    static KubeletConfig load(KubeletFlags flags) throws IOException {
        KubeletConfig c = DEFAULTS;
        if (flags.get("config").isPresent()) {
            c = read(Path.of(flags.get("config").get()));
        }
        return new KubeletConfig(flags.get("pod-manifest-path").orElse(c.staticPodPath),
                flags.get("healthz-bind-address").orElse(c.healthzBindAddress),
                flags.get("healthz-port").map(Integer::parseInt).orElse(c.healthzPort),
                flags.get("cgroup-driver").orElse(c.cgroupDriver),
                flags.bool("fail-swap-on", c.failSwapOn),
                flags.get("client-ca-file").orElse(c.clientCAFile),
                flags.get("resolv-conf").orElse(c.resolvConf),
                flags.bool("rotate-certificates", c.rotateCertificates));
    }

    /** Reads a KubeletConfiguration; errors carry the real kubelet's wording ("failed to load kubelet config file"). */
    static KubeletConfig read(Path file) throws IOException {
        String prefix = "failed to load kubelet config file, path: " + file + ", error: ";
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IOException(prefix + "failed to load Kubelet config file " + file + ", error failed to read kubelet config file \""
                    + file + "\", error: open " + file + ": no such file or directory");
        } catch (RuntimeException e) {
            throw new IOException(prefix + "failed to decode: " + e.getMessage());
        }
        if (!(doc instanceof Map<?, ?> m)) {
            throw new IOException(prefix + "failed to decode: not a KubeletConfiguration object");
        }
        if (!"KubeletConfiguration".equals(m.get("kind")) || !"kubelet.config.k8s.io/v1beta1".equals(m.get("apiVersion"))) {
            throw new IOException(prefix + "failed to decode: no kind \"" + m.get("kind") + "\" is registered for version \""
                    + m.get("apiVersion") + "\" in scheme");
        }
        Object x509 = Manifests.path(m, "authentication", "x509", "clientCAFile");
        return new KubeletConfig(
                Manifests.string(m.get("staticPodPath"), DEFAULTS.staticPodPath),
                Manifests.string(m.get("healthzBindAddress"), DEFAULTS.healthzBindAddress),
                m.get("healthzPort") instanceof Number n ? n.intValue() : DEFAULTS.healthzPort,
                Manifests.string(m.get("cgroupDriver"), DEFAULTS.cgroupDriver),
                m.get("failSwapOn") instanceof Boolean swap ? swap : DEFAULTS.failSwapOn,
                Manifests.string(x509, DEFAULTS.clientCAFile),
                Manifests.string(m.get("resolvConf"), DEFAULTS.resolvConf),
                m.get("rotateCertificates") instanceof Boolean b ? b : DEFAULTS.rotateCertificates);
    }
}
