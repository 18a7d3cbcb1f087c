<#import "/common/macros.ftl" as m>
<#-- kubeadm's kube-controller-manager static pod (reference 3.1, 3.4, 3.7, 3.8). -->
<#assign extra = extraArgs["kube-controller-manager"]>
<#assign defaults = {
  "authentication-kubeconfig": "/etc/kubernetes/controller-manager.conf",
  "authorization-kubeconfig": "/etc/kubernetes/controller-manager.conf",
  "bind-address": "127.0.0.1",
  "client-ca-file": "/etc/kubernetes/pki/ca.crt",
  "cluster-name": cluster.name,
  "cluster-signing-cert-file": "/etc/kubernetes/pki/ca.crt",
  "cluster-signing-key-file": "/etc/kubernetes/pki/ca.key",
  "controllers": "*,bootstrapsigner,tokencleaner",
  "kubeconfig": "/etc/kubernetes/controller-manager.conf",
  "leader-elect": "true",
  "requestheader-client-ca-file": "/etc/kubernetes/pki/front-proxy-ca.crt",
  "root-ca-file": "/etc/kubernetes/pki/ca.crt",
  "service-account-private-key-file": "/etc/kubernetes/pki/sa.key",
  "use-service-account-credentials": "true"
}>
<#if externalCa>
<#-- kubeadm's UsingExternalCA: no ca.key on the hosts, so the controller-manager signs no certificates -->
<#assign defaults = defaults + {
  "cluster-signing-cert-file": "",
  "cluster-signing-key-file": ""
}>
</#if>
<#if cluster.hasPodSubnet>
<#assign defaults = defaults + {
  "allocate-node-cidrs": "true",
  "cluster-cidr": cluster.podSubnet,
  "service-cluster-ip-range": cluster.serviceSubnet
}>
</#if>
<#assign args = defaults + extra>
<#assign bind = args["bind-address"]>
<#assign flexDir = args["flex-volume-plugin-dir"]!"/usr/libexec/kubernetes/kubelet-plugins/volume/exec">
<#macro probe>
      httpGet:
<#if bind != "0.0.0.0" && bind != "::">
        host: ${q(bind)}
</#if>
        path: /healthz
        port: ${args["secure-port"]!"10257"}
        scheme: HTTPS
</#macro>
apiVersion: v1
kind: Pod
metadata:
  labels:
    component: kube-controller-manager
    tier: control-plane
  name: kube-controller-manager
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-controller-manager
<@m.flags args "    "/>
    image: ${q(images.kubeControllerManager)}
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
<@probe/>
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: kube-controller-manager
    resources:
      requests:
        cpu: 200m
    startupProbe:
      failureThreshold: 24
<@probe/>
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
    - mountPath: ${q(flexDir)}
      name: flexvolume-dir
    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
      readOnly: true
    - mountPath: /etc/kubernetes/controller-manager.conf
      name: kubeconfig
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
      path: ${q(flexDir)}
      type: DirectoryOrCreate
    name: flexvolume-dir
  - hostPath:
      path: /etc/kubernetes/pki
      type: DirectoryOrCreate
    name: k8s-certs
  - hostPath:
      path: /etc/kubernetes/controller-manager.conf
      type: FileOrCreate
    name: kubeconfig
  - hostPath:
      path: /usr/local/share/ca-certificates
      type: DirectoryOrCreate
    name: usr-local-share-ca-certificates
  - hostPath:
      path: /usr/share/ca-certificates
      type: DirectoryOrCreate
    name: usr-share-ca-certificates
status: {}
