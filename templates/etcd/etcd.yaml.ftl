<#import "/common/macros.ftl" as m>
<#-- kubeadm's local etcd static pod (reference 3.6, 3.7, 3.8). All members start together: the full
     initial cluster and state "new" (kubeadm instead starts one member and adds the others as learners). -->
<#assign adv = m.urlHost(host.internalAddress)>
<#assign loopback = host.internalAddress?contains(":")?then("[::1]", "127.0.0.1")>
<#assign defaults = {
  "advertise-client-urls": "https://" + adv + ":2379",
  "cert-file": "/etc/kubernetes/pki/etcd/server.crt",
  "client-cert-auth": "true",
  "data-dir": "/var/lib/etcd",
  "initial-advertise-peer-urls": "https://" + adv + ":2380",
  "initial-cluster": etcd.initialCluster,
  "initial-cluster-state": "new",
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
<#macro probe path>
      httpGet:
        host: ${q(loopback?replace("[", "")?replace("]", ""))}
        path: ${path}
        port: 2381
        scheme: HTTP
</#macro>
apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: ${q(args["advertise-client-urls"])}
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
<@m.flags args "    "/>
    image: ${q(images.etcd)}
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
<@probe "/livez"/>
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: etcd
    readinessProbe:
      failureThreshold: 3
<@probe "/readyz"/>
      periodSeconds: 1
      timeoutSeconds: 15
    resources:
      requests:
        cpu: 100m
        memory: 100Mi
    startupProbe:
      failureThreshold: 24
<@probe "/readyz"/>
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    volumeMounts:
    - mountPath: /etc/kubernetes/pki/etcd
      name: etcd-certs
    - mountPath: /var/lib/etcd
      name: etcd-data
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki/etcd
      type: DirectoryOrCreate
    name: etcd-certs
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
status: {}
