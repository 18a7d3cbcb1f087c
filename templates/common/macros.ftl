<#-- Shared helpers. Import with: <#import "/common/macros.ftl" as m> -->
<#-- Command-line flags as YAML list items, sorted by name as kubeadm does (ArgumentsToCommand). -->
<#macro flags args indent>
<#list args?keys?sort as k>
${indent}- ${q("--" + k + "=" + args[k])}
</#list>
</#macro>
<#-- The same flags on one line, for env files and unit ExecStart lines. -->
<#function flagLine args>
  <#local parts = []>
  <#list args?keys?sort as k><#local parts = parts + ["--" + k + "=" + args[k]]></#list>
  <#return parts?join(" ")>
</#function>
<#-- Host part of a URL: IPv6 addresses in brackets. -->
<#function urlHost address>
  <#return address?contains(":")?then("[" + address + "]", address)>
</#function>
