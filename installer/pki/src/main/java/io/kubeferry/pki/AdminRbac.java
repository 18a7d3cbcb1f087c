package io.kubeferry.pki;

/**
 * The ClusterRoleBinding that makes admin.conf work (kubeadm's EnsureAdminClusterRoleBinding): group
 * {@code kubeadm:cluster-admins} gets {@code cluster-admin}. Apply it with super-admin.conf when admin.conf
 * is still Forbidden.
 */
public final class AdminRbac {
    public static final String CLUSTER_ROLE_BINDING_NAME = "kubeadm:cluster-admins";

    public static final String CLUSTER_ROLE_BINDING_YAML = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: kubeadm:cluster-admins
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: cluster-admin
            subjects:
            - apiGroup: rbac.authorization.k8s.io
              kind: Group
              name: kubeadm:cluster-admins
            """;

    private AdminRbac() {
    }
}
