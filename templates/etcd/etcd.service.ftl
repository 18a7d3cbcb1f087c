<#-- etcd as a host service (cluster.etcd.mode: host-service), as kubespray and KubeKey run it: the bundle's etcd
     binary with the same flags as the static pod. Each flag is one double-quoted word; '%' is doubled for systemd
     and '$' for its variable expansion. -->
<#include "/etcd/args.ftl">
<#function unitWord s>
  <#return "\"" + s?replace("\\", "\\\\")?replace("\"", "\\\"")?replace("%", "%%")?replace("$", "$$") + "\"">
</#function>
# Rendered by Kubeferry: etcd member ${host.name} (cluster.etcd.mode: host-service).
[Unit]
Description=etcd key-value store (Kubernetes ${cluster.name})
Documentation=https://etcd.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=${settings.binDir}/etcd<#list args?keys?sort as k> \
  ${unitWord("--" + k + "=" + args[k])}</#list>
Restart=always
RestartSec=5
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
