<#import "/common/macros.ftl" as m>
<#-- kubeadm's kube-apiserver static pod (reference 3.1, 3.3, 3.7, 3.8). Flags: defaults below, then the
     inventory's extraArgs.kube-apiserver replace them by name; rendered sorted. -->
<#assign extra = extraArgs["kube-apiserver"]>
<#assign adv = host.internalAddress>
<#-- a stacked member's apiserver uses its local etcd (kubeadm); otherwise every member (host-service, or a control
     plane without etcd) or the user's endpoints (external) -->
<#if etcd.mode == "static-pod" && host.isEtcdMember>
<#assign etcdServers = "https://" + adv?contains(":")?then("[::1]", "127.0.0.1") + ":2379">
<#else>
<#assign etcdServers = etcd.apiServerUrls>
</#if>
<#assign defaults = {
  "advertise-address": adv,
  "allow-privileged": "true",
  "client-ca-file": "/etc/kubernetes/pki/ca.crt",
  "enable-admission-plugins": "NodeRestriction",
  "enable-bootstrap-token-auth": "true",
  "etcd-cafile": "/etc/kubernetes/pki/etcd/ca.crt",
  "etcd-certfile": "/etc/kubernetes/pki/apiserver-etcd-client.crt",
  "etcd-keyfile": "/etc/kubernetes/pki/apiserver-etcd-client.key",
  "etcd-servers": etcdServers,
  "kubelet-client-certificate": "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
  "kubelet-client-key": "/etc/kubernetes/pki/apiserver-kubelet-client.key",
  "kubelet-preferred-address-types": "InternalIP,ExternalIP,Hostname",
  "proxy-client-cert-file": "/etc/kubernetes/pki/front-proxy-client.crt",
  "proxy-client-key-file": "/etc/kubernetes/pki/front-proxy-client.key",
  "requestheader-allowed-names": "front-proxy-client",
  "requestheader-client-ca-file": "/etc/kubernetes/pki/front-proxy-ca.crt",
  "requestheader-extra-headers-prefix": "X-Remote-Extra-",
  "requestheader-group-headers": "X-Remote-Group",
  "requestheader-username-headers": "X-Remote-User",
  "secure-port": "${cluster.apiServerPort}",
  "service-account-issuer": "https://kubernetes.default.svc." + cluster.dnsDomain,
  "service-account-key-file": "/etc/kubernetes/pki/sa.pub",
  "service-account-signing-key-file": "/etc/kubernetes/pki/sa.key",
  "service-cluster-ip-range": cluster.serviceSubnet,
  "tls-cert-file": "/etc/kubernetes/pki/apiserver.crt",
  "tls-private-key-file": "/etc/kubernetes/pki/apiserver.key"
}>
<#if !extra["authorization-config"]??>
<#assign defaults = defaults + {"authorization-mode": "Node,RBAC"}>
</#if>
<#assign args = defaults + extra>
<#assign port = args["secure-port"]>
<#macro probe path>
      httpGet:
        host: ${q(args["advertise-address"])}
        path: ${path}
        port: ${port}
        scheme: HTTPS
</#macro>
apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: ${q(m.urlHost(args["advertise-address"]) + ":" + port)}
  labels:
    component: kube-apiserver
    tier: control-plane
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
<@m.flags args "    "/>
    image: ${q(images.kubeApiserver)}
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
<@probe "/livez"/>
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: kube-apiserver
    readinessProbe:
      failureThreshold: 3
<@probe "/readyz"/>
      periodSeconds: 1
      timeoutSeconds: 15
    resources:
      requests:
        cpu: 250m
    startupProbe:
      failureThreshold: 24
<@probe "/livez"/>
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    volumeMounts:
    - mountPath: /etc/ssl/certs
      name: ca-certs
      readOnly: true
    - mountPath: /etc/ca-certificates
      name: etc-ca-certificates
      readOnly: true
    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
      readOnly: true
    - mountPath: /usr/local/share/ca-certificates
      name: usr-local-share-ca-certificates
      readOnly: true
    - mountPath: /usr/share/ca-certificates
      name: usr-share-ca-certificates
      readOnly: true
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/ssl/certs
      type: DirectoryOrCreate
    name: ca-certs
  - hostPath:
      path: /etc/ca-certificates
      type: DirectoryOrCreate
    name: etc-ca-certificates
  - hostPath:
      path: /etc/kubernetes/pki
      type: DirectoryOrCreate
    name: k8s-certs
  - hostPath:
      path: /usr/local/share/ca-certificates
      type: DirectoryOrCreate
    name: usr-local-share-ca-certificates
  - hostPath:
      path: /usr/share/ca-certificates
      type: DirectoryOrCreate
    name: usr-share-ca-certificates
status: {}
