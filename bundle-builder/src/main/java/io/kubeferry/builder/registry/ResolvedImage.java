package io.kubeferry.builder.registry;

import java.util.List;

/**
 * An image resolved to content: the manifest or index its tag points at (kept as the registry served it, so the
 * digest stays the upstream one) and, per wanted platform, the manifest with its config and layers.
 *
 * @param name      the name it will carry in the bundle (the spec's reference, not a mirror's)
 * @param source    where it was pulled from
 * @param top       descriptor of what the tag points at (index or manifest)
 * @param manifests one per wanted platform
 */
public record ResolvedImage(ImageReference name, ImageReference source, Descriptor top,
                            List<PlatformManifest> manifests) {
    public ResolvedImage {
        manifests = List.copyOf(manifests);
    }

    /** One platform's manifest: its descriptor, config and layers. */
    public record PlatformManifest(Platform platform, Descriptor manifest, Descriptor config, List<Descriptor> layers) {
        public PlatformManifest {
            layers = List.copyOf(layers);
        }
    }
}
