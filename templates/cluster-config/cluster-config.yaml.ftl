<#-- kubeadm's upload-config (reference 5.1): kubeadm-config and kubelet-config, so a later `kubeadm join`
     and kubeadm-aware tools find what they expect. -->
<#macro extraArgList args indent>
<#if args?has_content>
${indent}extraArgs:
<#list args?keys?sort as k>
${indent}- name: ${q(k)}
${indent}  value: ${q(args[k])}
</#list>
<#else>
${indent}extraArgs: []
</#if>
</#macro>
<#-- the ConfigMap is cluster-wide: no instance-config.yaml (1.34 NodeLocalCRISocket) values in it -->
<#assign kubeletConfigMap = true>
<#assign kubeletConfig><#include "/kubelet/config.yaml.ftl"></#assign>
apiVersion: v1
kind: ConfigMap
metadata:
  name: kubeadm-config
  namespace: kube-system
data:
  ClusterConfiguration: |
    apiVersion: kubeadm.k8s.io/v1beta4
    kind: ClusterConfiguration
    apiServer:
<#if cluster.certSans?has_content>
      certSANs:
<#list cluster.certSans as san>
      - ${q(san)}
</#list>
</#if>
<@extraArgList extraArgs["kube-apiserver"] "      "/>
    caCertificateValidityPeriod: ${cluster.caValidity}
    certificateValidityPeriod: ${cluster.certValidity}
    certificatesDir: /etc/kubernetes/pki
    clusterName: ${q(cluster.name)}
    controlPlaneEndpoint: ${q(cluster.endpoint.hostPort)}
    controllerManager:
<@extraArgList extraArgs["kube-controller-manager"] "      "/>
    dns: {}
    encryptionAlgorithm: ${cluster.keyAlgorithm}
    etcd:
<#if etcd.mode == "static-pod">
      local:
        dataDir: /var/lib/etcd
<@extraArgList extraArgs["etcd"] "        "/>
<#else>
<#-- etcd that kubeadm does not run (a host service, as kubespray configures kubeadm, or the user's) is external to it -->
      external:
        caFile: /etc/kubernetes/pki/etcd/ca.crt
        certFile: /etc/kubernetes/pki/apiserver-etcd-client.crt
        endpoints:
<#list etcd.apiServerUrls?split(",") as url>
        - ${q(url)}
</#list>
        keyFile: /etc/kubernetes/pki/apiserver-etcd-client.key
</#if>
    imageRepository: ${q(cluster.imageRepository)}
    kubernetesVersion: ${cluster.versionTag}
    networking:
      dnsDomain: ${q(cluster.dnsDomain)}
<#if cluster.hasPodSubnet>
      podSubnet: ${q(cluster.podSubnet)}
</#if>
      serviceSubnet: ${q(cluster.serviceSubnet)}
    proxy: {}
    scheduler:
<@extraArgList extraArgs["kube-scheduler"] "      "/>
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: kubelet-config
  namespace: kube-system
data:
  kubelet: |
    ${kubeletConfig?trim?replace("\n", "\n    ")}
