<#-- haproxy static pod on workers (local-proxy mode). The config hash annotation makes the kubelet
     recreate the pod when the config changes. -->
apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeferry.io/config-sha256: ${q(proxyConfigSha256)}
  labels:
    component: kube-apiserver-proxy
    tier: node
  name: kube-apiserver-proxy
  namespace: kube-system
spec:
  containers:
  - image: ${q(images.haproxy)}
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 3
      httpGet:
        host: 127.0.0.1
        path: /healthz
        port: 8081
        scheme: HTTP
      initialDelaySeconds: 5
      periodSeconds: 10
      timeoutSeconds: 5
    name: haproxy
    resources:
      requests:
        cpu: 25m
        memory: 32Mi
    volumeMounts:
    - mountPath: /usr/local/etc/haproxy
      name: config
      readOnly: true
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/kubeferry/apiserver-proxy
      type: Directory
    name: config
status: {}
