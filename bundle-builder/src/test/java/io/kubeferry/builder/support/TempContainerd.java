package io.kubeferry.builder.support;

/**
 * A shell script that starts a throw-away containerd (own root, state and socket under a work dir, CRI plugin
 * off), imports an image archive with {@code ctr -n k8s.io images import}, lists the images, runs one container
 * with {@code ctr run --rm}, and stops containerd. The same script runs on this machine and inside a
 * test-datacenter host. Falls back to the native snapshotter when overlayfs cannot mount (nested overlay).
 */
public final class TempContainerd {
    private TempContainerd() {
    }

    /**
     * @param workDir   empty scratch dir (containerd root/state live there)
     * @param archive   the OCI layout tar to import
     * @param image     image to run
     * @param command   command to run in it, already shell-quoted
     */
    public static String script(String workDir, String archive, String image, String command) {
        return """
                set -u
                d=%1$s
                mkdir -p "$d/root" "$d/state"
                cat > "$d/config.toml" <<EOF
                version = 2
                root = "$d/root"
                state = "$d/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "$d/containerd.sock"
                [ttrpc]
                  address = "$d/containerd.sock.ttrpc"
                EOF
                containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
                pid=$!
                trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$d/root" "$d/state" "$d/probe"' EXIT
                for i in $(seq 100); do [ -S "$d/containerd.sock" ] && break; sleep 0.1; done
                c="ctr -a $d/containerd.sock -n k8s.io"
                snap=overlayfs
                mkdir -p "$d/probe/l" "$d/probe/u" "$d/probe/w" "$d/probe/m"
                if ! mount -t overlay overlay -o lowerdir="$d/probe/l",upperdir="$d/probe/u",workdir="$d/probe/w" "$d/probe/m" 2>/dev/null; then
                  snap=native
                else
                  umount "$d/probe/m"
                fi
                echo "snapshotter: $snap"
                $c images import --snapshotter $snap %2$s || { echo IMPORT-FAILED; cat "$d/containerd.log"; exit 1; }
                echo "--- images"
                $c images ls -q
                echo "--- run"
                $c run --rm --snapshotter $snap %3$s kf-test-$$ %4$s || { echo RUN-FAILED; tail -20 "$d/containerd.log"; exit 1; }
                """.formatted(workDir, archive, image, command);
    }
}
