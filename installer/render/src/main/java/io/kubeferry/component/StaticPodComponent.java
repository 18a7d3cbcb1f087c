package io.kubeferry.component;

import io.kubeferry.inventory.Host;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A control-plane static pod: one manifest in /etc/kubernetes/manifests (0600, as kubeadm) rendered from
 * {@code <template folder>/<name>.yaml.ftl}. The kubelet starts it when the file appears and stops it when
 * the file goes, so run and clean only move the file.
 */
public abstract class StaticPodComponent extends PerHostComponent {
    public static final String MANIFESTS_DIR = "/etc/kubernetes/manifests";

    @Override
    public Set<String> watchedDirectories() {
        return Set.of(MANIFESTS_DIR);
    }

    @Override
    public Map<String, Integer> directoryModes() {
        return Map.of(MANIFESTS_DIR, 0700);
    }

    /** The template, relative to the templates root. */
    protected abstract String template();

    @Override
    protected List<RenderedFile> files(RenderContext c, Host h) {
        return List.of(c.file(MANIFESTS_DIR + "/" + name() + ".yaml", 0600, template(), h));
    }
}
