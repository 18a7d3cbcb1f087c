<#-- 1.34+ (kubeadm's NodeLocalCRISocket): this node's own settings, kept out of the cluster-wide kubelet-config
     ConfigMap; kubeadm writes exactly this line and patches it into config.yaml. -->
containerRuntimeEndpoint: "${settings.criSocket?j_string}"
