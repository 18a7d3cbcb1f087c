<#-- Cluster-wide: the same file on every node and in the kubelet-config ConfigMap, so no per-host values here
     (1.34's containerRuntimeEndpoint is the same on every node and comes from instance-config.yaml). -->
# Rendered by Kubeferry (KubeletConfiguration as kubeadm writes it; unset fields take the kubelet's defaults).
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: systemd
clusterDNS:
- ${q(cluster.dnsServiceIp)}
clusterDomain: ${q(cluster.dnsDomain)}
<#if cluster.minor gte 34 && !(kubeletConfigMap!false)>
<#-- 1.34 (NodeLocalCRISocket): the node's instance-config.yaml patched in, as kubeadm writes the file on the
     node; the kubelet-config ConfigMap (cluster-config, which sets kubeletConfigMap) does not have it -->
containerRuntimeEndpoint: ${q(settings.criSocket)}
</#if>
healthzBindAddress: 127.0.0.1
healthzPort: 10248
rotateCertificates: true
staticPodPath: /etc/kubernetes/manifests
