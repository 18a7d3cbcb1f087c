<#-- One /etc/hosts line (the installer adds its marker and replaces an earlier one): workers reach the
     endpoint name through their local proxy, control-plane nodes through their own apiserver. -->
${host.isControlPlane?then(host.internalAddress, "127.0.0.1")} ${cluster.endpoint.host}
