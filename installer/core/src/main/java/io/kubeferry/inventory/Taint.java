package io.kubeferry.inventory;

/** A node taint, {@code key[=value]:effect}. */
public record Taint(String key, String value, String effect) {
    public static final java.util.Set<String> EFFECTS = java.util.Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    @Override
    public String toString() {
        return key + (value == null || value.isEmpty() ? "" : "=" + value) + ":" + effect;
    }
}
