package io.kubeferry.cli;

import io.kubeferry.install.ClusterApi;
import picocli.CommandLine.Option;

/** How commands that work through the cluster's API reach it. */
public final class ApiOption {
    @Option(names = "--api-through-ssh", description = "Reach the cluster's API through an SSH tunnel to a control plane"
            + " (reads the inventory's SSH settings). Without it the API is dialled directly.")
    boolean throughSsh;

    ClusterApi clusterApi() {
        return new ClusterApi(throughSsh);
    }
}
