package io.kubeferry.component;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;

import java.util.ArrayList;
import java.util.List;

/** Stacked etcd: a static pod on every etcd member, all members started together with the full initial cluster. */
public final class Etcd extends StaticPodComponent {
    @Override
    protected java.util.Set<String> pkiFilesRead() {
        return pki("etcd/ca.crt", "etcd/ca.key", "etcd/server.crt", "etcd/server.key", "etcd/peer.crt", "etcd/peer.key",
                "etcd/healthcheck-client.crt", "etcd/healthcheck-client.key");
    }

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    protected String template() {
        return "etcd/etcd.yaml.ftl";
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return inventory.etcdMembers();
    }

    @Override
    public ComponentOutput render(RenderContext context) {
        List<Problem> problems = new ArrayList<>();
        for (Host h : context.inventory().etcdMembers()) {
            if (!h.isControlPlane()) {
                // a static pod needs a kubelet, and only nodes get one
                problems.add(Problem.error("hosts." + h.name() + ".roles", "etcd on a host that is not a control-plane "
                        + "node is not supported yet; give the etcd role to control-plane hosts only (or to none: "
                        + "etcd then runs on every control-plane host)"));
            }
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
        return super.render(context);
    }

    @Override
    public List<String> statePaths(Host host) {
        return List.of("/var/lib/etcd");
    }
}
