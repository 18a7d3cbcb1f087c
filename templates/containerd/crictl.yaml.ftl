# Rendered by Kubeferry.
runtime-endpoint: ${q(settings.criSocket)}
image-endpoint: ${q(settings.criSocket)}
timeout: 10
