<#if settings.hasRegistryMirror>
# Rendered by Kubeferry. Pulls for ${registry} go to the bundle's registry only, never to the internet:
# "server" (containerd's fallback after the hosts below) is the bundle's registry too.
server = ${tq(settings.pullServer)}

[host.${tq(settings.registryMirror)}]
  capabilities = ["pull", "resolve"]
<#else>
# Rendered by Kubeferry. Images are imported from the bundle; pulls for ${registry} never go to the internet:
# "server" replaces the upstream registry with an address that never resolves, so a pull fails at once.
server = ${tq(settings.pullServer)}
</#if>
