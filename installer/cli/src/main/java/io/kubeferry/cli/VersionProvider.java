package io.kubeferry.cli;

import picocli.CommandLine;

final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[]{"Kubeferry installer " + (v == null ? "(development build)" : v)};
    }
}
