/**
 * The SSH engine (JSch): how the installer reaches hosts.
 *
 * <ul>
 *   <li>{@link io.kubeferry.ssh.SshHost}: one host, one reused connection; {@code exec} as root
 *       ({@code sh -c}, through sudo when the user is not root), {@code upload}/{@code put} by SFTP with
 *       skip-if-same-sha256, resume, remote sha256 check and atomic rename.</li>
 *   <li>{@link io.kubeferry.ssh.SshConnector}: connects hosts, sharing one connection per bastion; thread-safe
 *       (running work on many hosts in parallel is the installer's phase runner's job).</li>
 *   <li>{@link io.kubeferry.ssh.TransferListener}: progress of uploads.</li>
 *   <li>{@link io.kubeferry.ssh.SshOptions}: channels per connection, upload attempts, keep-alive.</li>
 * </ul>
 *
 * Failures are typed: {@link io.kubeferry.errors.HostFailureException} (cannot connect, authentication,
 * command timeout, lost connection, failed upload), {@link io.kubeferry.errors.UnexpectedStateException}
 * (a changed host key), {@link io.kubeferry.errors.BadInputException} (unreadable key file, wrong passphrase,
 * no credentials, bad remote path). Secrets never appear in messages.
 */
package io.kubeferry.ssh;
