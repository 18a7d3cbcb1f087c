package io.kubeferry.render;

import io.kubeferry.inventory.Inventory;

/** Lets tests in other packages use the package-private {@link Fixtures}. */
public final class FixturesAccess {
    private FixturesAccess() {
    }

    public static Inventory localProxy() {
        return Fixtures.ha().localProxy().build();
    }
}
