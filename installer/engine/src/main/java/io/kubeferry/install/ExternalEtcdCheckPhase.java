package io.kubeferry.install;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.files.LocalIoFailure;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.pem.ClientTls;
import io.kubeferry.phase.ReadOnlyPhase;
import io.kubeferry.phase.RunContext;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The user's etcd ({@code cluster.etcd.mode: external}), checked before anything is written to any host (it runs
 * right after gather-facts, before preflight's safe fixes, plan and distribute): every endpoint's {@code /health}
 * over TLS with the inventory's caFile, certFile and keyFile, as the API servers will use them.
 *
 * <p>Why from the installer's machine with Java's TLS, through an SSH port forward of the first control plane
 * ({@link RemoteHost#forwardLocalPort}), and not curl on that control plane: curl there needs the CA and client key
 * on the host first, and writing them is a write before the input is known to be good (and curl may not be
 * installed). The forward's far end is the control plane, so the TCP path is the API servers' own (often only the
 * control planes may reach etcd), while the key never leaves this machine before the check passes. A failure is bad
 * input (exit 2): the inventory names an etcd that does not answer as described, and nothing was changed.
 */
public final class ExternalEtcdCheckPhase implements ReadOnlyPhase {
    @Override
    public String name() {
        return "check-external-etcd";
    }

    @Override
    public String title() {
        return "Check the external etcd over TLS";
    }

    @Override
    public boolean shouldRun(RunContext ctx) {
        return ctx.inventory().etcdMode() == EtcdSettings.Mode.EXTERNAL;
    }

    @Override
    public void run(RunContext ctx) {
        EtcdSettings.External external = ctx.inventory().cluster().etcd().external().orElseThrow();
        Host controlPlane = ctx.inventory().controlPlanes().get(0);
        SSLContext tls = ClientTls.of(read(external.caFile()), read(external.certFile()), read(external.keyFile()),
                "cluster.etcd.external caFile/certFile/keyFile");
        RemoteHost remote = ctx.connection(controlPlane);
        String via = "from " + controlPlane.name();
        List<Problem> problems = new ArrayList<>();
        List<String> endpoints = external.endpoints();
        for (int i = 0; i < endpoints.size(); i++) {
            URI endpoint = URI.create(endpoints.get(i));
            String host = endpoint.getHost().replace("[", "").replace("]", "");
            int local = remote.forwardLocalPort(host, endpoint.getPort());
            String problem = EtcdHealthProbe.problem(tls, endpoint, new InetSocketAddress("127.0.0.1", local), via);
            if (problem == null) {
                ctx.console().detail("    " + endpoint + " healthy (TLS checked " + via + " through its SSH connection)");
            } else {
                problems.add(Problem.error(ctx.inventory().source().getFileName() + " (cluster.etcd.external.endpoints["
                        + i + "])", endpoint + ", checked " + via + " with caFile " + external.caFile() + ", certFile "
                        + external.certFile() + " and keyFile " + external.keyFile() + ": " + problem));
            }
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw LocalIoFailure.of(file, "reading", e);
        }
    }
}
