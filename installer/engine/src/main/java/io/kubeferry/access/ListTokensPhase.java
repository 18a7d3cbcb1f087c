package io.kubeferry.access;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.install.ClusterApi;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.kube.tokens.BootstrapToken;
import io.kubeferry.kube.tokens.BootstrapTokens;
import io.kubeferry.phase.ReadOnlyPhase;
import io.kubeferry.phase.RunContext;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** {@code installer token list}: kubeadm's columns, with the token's id where kubeadm shows the whole token. */
public final class ListTokensPhase extends ClusterAccessPhase implements ReadOnlyPhase {
    static final String ROW = "%-8s %-10s %-22s %-26s %-30s %s";
    private final Clock clock;

    public ListTokensPhase(ClusterApi api, Clock clock) {
        super(api);
        this.clock = clock;
    }

    @Override
    public String name() {
        return "list-tokens";
    }

    @Override
    public String title() {
        return "Bootstrap tokens";
    }

    @Override
    public void validate(Inventory inventory) {
        adminConfMissing(inventory).ifPresent(p -> {
            throw new BadInputException(List.of(p));
        });
    }

    @Override
    public void run(RunContext ctx) {
        List<BootstrapToken.Info> tokens;
        try (KubeApi api = open(ctx)) {
            tokens = BootstrapTokens.list(api);
        }
        if (tokens.isEmpty()) {
            ctx.console().info("No bootstrap tokens ('installer token create' makes one).");
            return;
        }
        ctx.console().info(String.format(Locale.ROOT, ROW, "ID", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"));
        Instant now = clock.instant();
        for (BootstrapToken.Info t : tokens) {
            ctx.console().info(String.format(Locale.ROOT, ROW, t.id(), ttl(t.expires(), now),
                    t.expires() == null ? "<never>" : t.expires().toString(), String.join(",", t.usages()),
                    t.description().isEmpty() ? "<none>" : t.description(),
                    t.groups().isEmpty() ? "<none>" : String.join(",", t.groups())));
        }
    }

    /** kubeadm's TTL column: {@code <forever>}, {@code <invalid>} once expired, else a short duration (Kubernetes' ShortHumanDuration). */
    static String ttl(Instant expires, Instant now) {
        if (expires == null) {
            return "<forever>";
        }
        Duration left = Duration.between(now, expires);
        if (left.isNegative()) {
            return "<invalid>";
        }
        long s = left.toSeconds();
        return s < 60 ? s + "s" : s < 3600 ? s / 60 + "m" : s < 48 * 3600 ? s / 3600 + "h" : s < 2 * 365 * 86400L ? s / 86400 + "d"
                : s / (365 * 86400L) + "y";
    }
}
