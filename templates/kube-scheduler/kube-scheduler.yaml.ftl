<#import "/common/macros.ftl" as m>
<#-- kubeadm's kube-scheduler static pod (reference 3.1, 3.5, 3.7, 3.8). -->
<#assign defaults = {
  "authentication-kubeconfig": "/etc/kubernetes/scheduler.conf",
  "authorization-kubeconfig": "/etc/kubernetes/scheduler.conf",
  "bind-address": "127.0.0.1",
  "kubeconfig": "/etc/kubernetes/scheduler.conf",
  "leader-elect": "true"
}>
<#assign args = defaults + extraArgs["kube-scheduler"]>
<#assign bind = args["bind-address"]>
<#macro probe>
      httpGet:
<#if bind != "0.0.0.0" && bind != "::">
        host: ${q(bind)}
</#if>
        path: /healthz
        port: ${args["secure-port"]!"10259"}
        scheme: HTTPS
</#macro>
apiVersion: v1
kind: Pod
metadata:
  labels:
    component: kube-scheduler
    tier: control-plane
  name: kube-scheduler
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-scheduler
<@m.flags args "    "/>
    image: ${q(images.kubeScheduler)}
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
<@probe/>
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: kube-scheduler
    resources:
      requests:
        cpu: 100m
    startupProbe:
      failureThreshold: 24
<@probe/>
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    volumeMounts:
    - mountPath: /etc/kubernetes/scheduler.conf
      name: kubeconfig
      readOnly: true
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/kubernetes/scheduler.conf
      type: FileOrCreate
    name: kubeconfig
status: {}
