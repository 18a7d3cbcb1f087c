<#import "/common/macros.ftl" as m>
<#assign taints = host.taints>
<#if host.isControlPlane && !host.isWorker>
<#-- registered with the taint, so no pod lands on a control-plane node before it is marked -->
<#assign taints = ["node-role.kubernetes.io/control-plane:NoSchedule"] + taints>
</#if>
<#assign defaults = {
  "hostname-override": host.name,
  "node-ip": host.internalAddress,
  "pod-infra-container-image": images.pause
}>
<#if cluster.minor lt 34>
<#assign defaults = defaults + {"container-runtime-endpoint": settings.criSocket}>
</#if>
<#if host.resolvConf?has_content>
<#-- kubeadm sets resolvConf when systemd-resolved is active (its 127.0.0.53 makes CoreDNS loop); per host here -->
<#assign defaults = defaults + {"resolv-conf": host.resolvConf}>
</#if>
<#if taints?has_content>
<#assign defaults = defaults + {"register-with-taints": taints?join(",")}>
</#if>
<#if host.labels?has_content>
<#assign labelList = []>
<#list host.labels?keys?sort as k><#assign labelList = labelList + [k + "=" + host.labels[k]]></#list>
<#assign defaults = defaults + {"node-labels": labelList?join(",")}>
</#if>
<#assign args = defaults + extraArgs["kubelet"]>
KUBELET_KUBEADM_ARGS="${m.flagLine(args)}"
