<#-- kube-public/cluster-info (reference 4.6): what `kubeadm join` discovers. Its server is the control-plane
     endpoint, so joined nodes use it too. -->
apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-info
  namespace: kube-public
data:
  kubeconfig: |
    apiVersion: v1
    clusters:
    - cluster:
        certificate-authority-data: ${clusterCaBase64}
        server: ${q(cluster.endpoint.url)}
      name: ""
    contexts: null
    current-context: ""
    kind: Config
    preferences: {}
    users: null
