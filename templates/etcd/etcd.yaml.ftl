<#import "/common/macros.ftl" as m>
<#-- kubeadm's local etcd static pod (reference 3.6, 3.7, 3.8). The first install's members start together (their
     initial cluster, state "new"); a member added later joined as a learner: state "existing" and the initial
     cluster it was added with (host.etcdInitialCluster, host.etcdInitialClusterState; args.ftl). -->
<#include "/etcd/args.ftl">
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
