package io.kubeferry.pki;

import io.kubeferry.host.HostFile;

import java.nio.file.Path;

/**
 * A host file with the state-directory file it comes from: what tells which hosts a renewal touches.
 *
 * @param source the file in {@code <stateDir>/pki}
 */
record PkiFile(HostFile file, Path source) {
}
