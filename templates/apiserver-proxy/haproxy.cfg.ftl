# Rendered by Kubeferry for ${host.name}: the control-plane endpoint ${cluster.endpoint.hostPort} on this worker,
# forwarding to every kube-apiserver that answers /healthz.
global
    log stdout format raw local0 info
    maxconn 4000

defaults
    log global
    retries 3
    timeout connect 5s
    # watches stay open for a long time
    timeout client 30m
    timeout server 30m
    timeout check 5s

frontend healthz
    bind 127.0.0.1:8081
    mode http
    monitor-uri /healthz

frontend kube-apiserver
    bind 127.0.0.1:${cluster.endpoint.port}
    mode tcp
    option tcplog
    default_backend kube-apiserver

backend kube-apiserver
    mode tcp
    balance leastconn
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 5s downinter 5s rise 2 fall 2 slowstart 60s maxconn 1000 maxqueue 256 weight 100
<#list controlPlanes as cp>
    server ${cp.name} ${cp.internalAddress?contains(":")?then("[" + cp.internalAddress + "]", cp.internalAddress)}:${cluster.apiServerPort} check check-ssl verify none
</#list>
