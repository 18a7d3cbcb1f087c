package io.kubeferry.kube.testsupport;

import java.util.List;
import java.util.Optional;

/**
 * One resource type the stand-in API server serves: enough for discovery documents and URL routing.
 *
 * @param group      "" for the core group
 * @param plural     the URL segment (configmaps)
 * @param namespaced whether objects live in a namespace
 */
public record ApiResource(String group, String version, String kind, String plural, boolean namespaced,
                          List<String> shortNames) {
    /** The types an install creates and kubectl asks for; kinds outside this table get 404, as on a real server without them. */
    public static final List<ApiResource> ALL = List.of(
            core("Namespace", "namespaces", false, "ns"),
            core("Node", "nodes", false, "no"),
            core("ConfigMap", "configmaps", true, "cm"),
            core("Secret", "secrets", true),
            core("Service", "services", true, "svc"),
            core("ServiceAccount", "serviceaccounts", true, "sa"),
            core("Pod", "pods", true, "po"),
            core("Endpoints", "endpoints", true, "ep"),
            core("Event", "events", true, "ev"),
            new ApiResource("apps", "v1", "Deployment", "deployments", true, List.of("deploy")),
            new ApiResource("apps", "v1", "DaemonSet", "daemonsets", true, List.of("ds")),
            new ApiResource("apps", "v1", "StatefulSet", "statefulsets", true, List.of("sts")),
            new ApiResource("apps", "v1", "ReplicaSet", "replicasets", true, List.of("rs")),
            rbac("ClusterRole", "clusterroles", false),
            rbac("ClusterRoleBinding", "clusterrolebindings", false),
            rbac("Role", "roles", true),
            rbac("RoleBinding", "rolebindings", true),
            new ApiResource("coordination.k8s.io", "v1", "Lease", "leases", true, List.of()),
            new ApiResource("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", false,
                    List.of("csr")),
            new ApiResource("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, List.of("sc")),
            new ApiResource("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, List.of("pdb")));

    private static ApiResource core(String kind, String plural, boolean namespaced, String... shortNames) {
        return new ApiResource("", "v1", kind, plural, namespaced, List.of(shortNames));
    }

    private static ApiResource rbac(String kind, String plural, boolean namespaced) {
        return new ApiResource("rbac.authorization.k8s.io", "v1", kind, plural, namespaced, List.of());
    }

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    public static Optional<ApiResource> byPlural(String group, String version, String plural) {
        return ALL.stream().filter(r -> r.group.equals(group) && r.version.equals(version) && r.plural.equals(plural)).findFirst();
    }

    public static Optional<ApiResource> byKind(String apiVersion, String kind) {
        return ALL.stream().filter(r -> r.apiVersion().equals(apiVersion) && r.kind.equals(kind)).findFirst();
    }

    /** The groups other than core, in table order. */
    public static List<String> groups() {
        return ALL.stream().map(ApiResource::group).filter(g -> !g.isEmpty()).distinct().toList();
    }
}
