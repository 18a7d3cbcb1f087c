package io.kubeferry.phase;

import io.kubeferry.errors.ExitCode;
import io.kubeferry.errors.KubeferryException;

import java.util.Map;
import java.util.stream.Collectors;

/** A phase failed on one or more hosts. Names the phase and every failed host with its reason. */
public class PhaseFailedException extends KubeferryException {
    private final String phase;
    private final Map<String, Throwable> failures;

    public PhaseFailedException(String phase, Map<String, Throwable> failures) {
        super("phase '" + phase + "' failed on " + failures.size() + (failures.size() == 1 ? " host" : " hosts") + ":"
                + failures.entrySet().stream()
                .map(e -> System.lineSeparator() + "  " + e.getKey() + ": " + PhaseRunner.reason(e.getValue()))
                .collect(Collectors.joining()));
        this.phase = phase;
        this.failures = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(failures)); // keeps host order
    }

    public String phase() {
        return phase;
    }

    public Map<String, Throwable> failures() {
        return failures;
    }

    /**
     * A bad-input failure on every host means the input is wrong, not the hosts; an untyped exception on any
     * host is a bug in Kubeferry, not a host failure.
     */
    @Override
    public ExitCode exitCode() {
        if (failures.values().stream().anyMatch(t -> !(t instanceof KubeferryException))) {
            return ExitCode.INTERNAL;
        }
        boolean allBadInput = failures.values().stream().allMatch(t -> t instanceof KubeferryException k
                && k.exitCode() == ExitCode.BAD_INPUT);
        boolean anyUnexpected = failures.values().stream().anyMatch(t -> t instanceof KubeferryException k
                && k.exitCode() == ExitCode.UNEXPECTED_STATE);
        return allBadInput ? ExitCode.BAD_INPUT : anyUnexpected ? ExitCode.UNEXPECTED_STATE : ExitCode.HOST_FAILURE;
    }
}
