<#import "/common/macros.ftl" as m>
<#-- etcd's flags, shared by the static pod (etcd.yaml.ftl) and the host service (etcd.service.ftl): kubeadm's
     local etcd defaults (reference 3.6), then the inventory's extraArgs.etcd by name. Sets adv, loopback, args. -->
<#assign adv = m.urlHost(host.internalAddress)>
<#assign loopback = host.internalAddress?contains(":")?then("[::1]", "127.0.0.1")>
<#assign defaults = {
  "advertise-client-urls": "https://" + adv + ":2379",
  "cert-file": "/etc/kubernetes/pki/etcd/server.crt",
  "client-cert-auth": "true",
  "data-dir": "/var/lib/etcd",
  "initial-advertise-peer-urls": "https://" + adv + ":2380",
  "initial-cluster": host.etcdInitialCluster,
  "initial-cluster-state": host.etcdInitialClusterState,
  "key-file": "/etc/kubernetes/pki/etcd/server.key",
  "listen-client-urls": "https://" + loopback + ":2379,https://" + adv + ":2379",
  "listen-metrics-urls": "http://" + loopback + ":2381",
  "listen-peer-urls": "https://" + adv + ":2380",
  "name": host.name,
  "peer-cert-file": "/etc/kubernetes/pki/etcd/peer.crt",
  "peer-client-cert-auth": "true",
  "peer-key-file": "/etc/kubernetes/pki/etcd/peer.key",
  "peer-trusted-ca-file": "/etc/kubernetes/pki/etcd/ca.crt",
  "snapshot-count": "10000",
  "trusted-ca-file": "/etc/kubernetes/pki/etcd/ca.crt"
}>
<#if etcd.atLeast36>
<#-- etcd 3.6 dropped the experimental- names (kubeadm 1.34, PR #132838) -->
<#assign defaults = defaults + {"feature-gates": "InitialCorruptCheck=true", "watch-progress-notify-interval": "5s"}>
<#else>
<#assign defaults = defaults + {"experimental-initial-corrupt-check": "true", "experimental-watch-progress-notify-interval": "5s"}>
</#if>
<#assign args = defaults + extraArgs["etcd"]>
