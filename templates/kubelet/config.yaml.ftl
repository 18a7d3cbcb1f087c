<#-- Cluster-wide: the same file on every node and in the kubelet-config ConfigMap, so no per-host values here. -->
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
<#if cluster.minor gte 34>
<#-- 1.34: kubeadm's NodeLocalCRISocket moves the runtime endpoint from the flags file into the config -->
containerRuntimeEndpoint: ${q(settings.criSocket)}
</#if>
healthzBindAddress: 127.0.0.1
healthzPort: 10248
rotateCertificates: true
staticPodPath: /etc/kubernetes/manifests
