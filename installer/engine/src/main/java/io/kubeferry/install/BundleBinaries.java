package io.kubeferry.install;

import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.ArrayList;

import java.util.List;
import java.util.Optional;

/**
 * Where each binary of the bundle goes on a node and how it is put there from its upstream artifact (a bare
 * binary or a release archive). Installing is recorded per binary by the artifact's sha256 in
 * {@link #INSTALLED_DIR}, so a second run installs nothing and a new bundle replaces exactly what changed.
 */
public final class BundleBinaries {
    /** Where bundle files are staged on a host before they are installed (kept: a re-run skips the copy). */
    public static final String STAGING_DIR = "/var/lib/kubeferry/bundle";
    /** One file per installed artifact, holding its sha256. */
    public static final String INSTALLED_DIR = "/var/lib/kubeferry/installed";
    public static final String BIN_DIR = "/usr/local/bin";

    /**
     * One binary's placement.
     *
     * @param name    the bundle manifest's binary name
     * @param marker  a file that exists once installed (checked with the stamp, so a deleted binary comes back)
     * @param install sh commands with {@code $SRC} the staged artifact
     * @param files   sh printing {@code f PATH} for every file {@code install} puts in place ({@code $SRC} set), for
     *                {@code installer reset}
     */
    public record Placement(String name, String marker, String install, String files) {
    }

    /** Every node gets these, in this order; etcd's archive is only for etcd host services ({@link #ETCD}). */
    public static final List<Placement> NODE_BINARIES = List.of(
            bare("kubelet", BIN_DIR + "/kubelet"),
            bare("kubectl", BIN_DIR + "/kubectl"),
            new Placement("containerd", BIN_DIR + "/containerd",
                    "tar -xzf \"$SRC\" -C /usr/local bin/", listing("/usr/local/", "bin/")),
            bare("runc", "/usr/local/sbin/runc"),
            new Placement("crictl", BIN_DIR + "/crictl", "tar -xzf \"$SRC\" -C " + BIN_DIR + " crictl", "echo 'f " + BIN_DIR + "/crictl'"),
            new Placement("cni-plugins", "/opt/cni/bin/bridge", "mkdir -p /opt/cni/bin && tar -xzf \"$SRC\" -C /opt/cni/bin",
                    listing("/opt/cni/bin/", "")));

    /**
     * etcd's release archive ({@code etcd-vX-linux-ARCH/etcd}, {@code etcdctl}) for the members of a host-service etcd:
     * unpacked next to its place and renamed over it (a running etcd is replaced, not written into).
     */
    public static final Placement ETCD = new Placement("etcd", BIN_DIR + "/etcd",
            "d=$(mktemp -d " + BIN_DIR + "/.etcd.XXXXXX) && tar -xzf \"$SRC\" -C \"$d\" --strip-components=1"
                    + " && chmod 0755 \"$d/etcd\" \"$d/etcdctl\" && mv -f \"$d/etcd\" " + BIN_DIR + "/etcd"
                    + " && mv -f \"$d/etcdctl\" " + BIN_DIR + "/etcdctl && rm -rf \"$d\"",
            "echo 'f " + BIN_DIR + "/etcd'; echo 'f " + BIN_DIR + "/etcdctl'");

    /** The archive's files (members, not directories, {@code ./} dropped) as {@code f DIR/member} lines. */
    private static String listing(String dir, String members) {
        return "tar -tzf \"$SRC\"" + (members.isEmpty() ? "" : " " + members) + " | grep -v '/$' | sed -e 's@^\\./@@' -e 's@^@f "
                + dir + "@'";
    }

    private BundleBinaries() {
    }

    /** What this host gets: the node binaries on nodes, etcd on the members of a host-service etcd. */
    public static List<Placement> placementsFor(Inventory inventory, Host host) {
        List<Placement> out = new ArrayList<>();
        if (inventory.nodes().contains(host)) {
            out.addAll(NODE_BINARIES);
        }
        if (inventory.etcdMode() == EtcdSettings.Mode.HOST_SERVICE && inventory.etcdMembers().contains(host)) {
            out.add(ETCD);
        }
        return out;
    }

    /** A bare binary: copied next to its place and renamed over it (a running binary is replaced, not written into). */
    private static Placement bare(String name, String target) {
        String dir = target.substring(0, target.lastIndexOf('/'));
        String tmp = dir + "/." + name + ".kubeferry-new";
        return new Placement(name, target, "mkdir -p " + dir + " && cp \"$SRC\" " + tmp + " && chmod 0755 " + tmp
                + " && mv -f " + tmp + " " + target, "echo 'f " + target + "'");
    }

    public static String stagedPath(String bundlePath) {
        return STAGING_DIR + "/" + bundlePath;
    }

    /**
     * The command that installs the staged artifact unless its stamp says it already is; prints "installed" or
     * "unchanged".
     */
    public static String installCommand(Placement p, BundleManifest.Binary binary, String sha256) {
        String stamp = INSTALLED_DIR + "/" + p.name() + ".sha256";
        return "SRC=" + Shell.quote(stagedPath(binary.path())) + "; "
                + "if [ \"$(cat " + stamp + " 2>/dev/null)\" = " + sha256 + " ] && [ -e " + p.marker() + " ]; then echo unchanged; "
                + "else " + io.kubeferry.reset.HostRecord.recordListed(io.kubeferry.reset.HostRecord.installedRecord(p.name()), p.files())
                + " && " + p.install() + " && mkdir -p " + INSTALLED_DIR + " && echo " + sha256 + " > " + stamp
                + " && echo installed; fi";
    }

    /** What the command would do, read only: true when the artifact is not installed as this bundle has it. */
    public static String checkCommand(Placement p, String sha256) {
        String stamp = INSTALLED_DIR + "/" + p.name() + ".sha256";
        return "if [ \"$(cat " + stamp + " 2>/dev/null)\" = " + sha256 + " ] && [ -e " + p.marker() + " ]; then echo unchanged; else echo install; fi";
    }

    public static Optional<BundleManifest.Binary> binary(BundleManifest manifest, String name, String arch) {
        return manifest.binary(name, arch);
    }
}
