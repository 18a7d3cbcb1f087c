package io.kubeferry.ssh;

import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server side of the exec race tests: instead of a shell, commands that end as fast as an SSH server
 * can end them, and a count of how many times each command ran (by the {@code run-N} in its text).
 *
 * <ul>
 *   <li>{@code quick run-N}: prints {@code ran N} and exits inside {@code start()}, so the server sends
 *       exit-status, EOF and CLOSE at once, before the client's {@code Channel.connect} has returned;</li>
 *   <li>{@code echo-stdin run-N}: prints {@code N:} and its stdin, once the client sent EOF;</li>
 *   <li>{@code drop run-N}: once the client sent EOF, drops the whole connection (a dying server);</li>
 *   <li>{@code id -u}: prints 0.</li>
 * </ul>
 * A command behind {@code sudo -k -S -p '' --} first reads the password line from stdin, as sudo does, and
 * fails like sudo if it is not {@link #sudoPassword}. The commands waiting for stdin can be made to finish
 * at once with {@link #finishWaiting()}, as if their input had ended.
 */
final class CountingCommands implements CommandFactory {
    private static final Pattern RUN = Pattern.compile("run-(\\d+)");
    private static final String SUDO = "sudo -k -S -p '' -- ";

    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    final List<String> commandLines = new CopyOnWriteArrayList<>();
    volatile String sudoPassword = "";
    private final Set<Scripted> waiting = ConcurrentHashMap.newKeySet();

    @Override
    public Command createCommand(ChannelSession channel, String command) {
        commandLines.add(command);
        return new Scripted(command);
    }

    int ran(String key) {
        AtomicInteger n = runs.get(key);
        return n == null ? 0 : n.get();
    }

    int totalRuns() {
        return runs.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Ends every command still waiting for its stdin, as if the client had closed it. */
    void finishWaiting() {
        for (Scripted s : waiting) {
            s.finish(s.stdinSoFar());
        }
    }

    private final class Scripted implements Command {
        private final String command;
        private final boolean sudo;
        private final AtomicBoolean finished = new AtomicBoolean();
        private final ByteArrayOutputStream stdin = new ByteArrayOutputStream();
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;
        private ChannelSession channel;

        Scripted(String command) {
            this.command = command;
            this.sudo = command.startsWith(SUDO);
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback exit) {
            this.exit = exit;
        }

        @Override
        public void start(ChannelSession channel, Environment env) {
            this.channel = channel;
            Matcher m = RUN.matcher(command);
            String key = m.find() ? m.group() : command.contains("id -u") ? "id -u" : "other";
            runs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            if (!sudo && command.contains("quick ")) {
                finish(new byte[0]);
                return;
            }
            waiting.add(this);
            Thread reader = new Thread(this::readStdin, "stdin of " + key);
            reader.setDaemon(true);
            reader.start();
        }

        private void readStdin() {
            byte[] buf = new byte[256];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    synchronized (stdin) {
                        stdin.write(buf, 0, n);
                    }
                }
            } catch (IOException channelGone) {
                // finished by finishWaiting, or the client went away: what was read is all there is
            }
            finish(stdinSoFar());
        }

        byte[] stdinSoFar() {
            synchronized (stdin) {
                return stdin.toByteArray();
            }
        }

        void finish(byte[] input) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            waiting.remove(this);
            String text = new String(input, StandardCharsets.UTF_8);
            try {
                if (sudo) {
                    int nl = text.indexOf('\n');
                    String password = nl < 0 ? text : text.substring(0, nl);
                    if (!password.equals(sudoPassword)) {
                        err.write("Sorry, try again.\nsudo: 1 incorrect password attempt\n".getBytes(StandardCharsets.UTF_8));
                        err.flush();
                        exit.onExit(1);
                        return;
                    }
                    text = nl < 0 ? "" : text.substring(nl + 1);
                }
                Matcher m = RUN.matcher(command);
                String n = m.find() ? m.group(1) : "";
                if (command.contains("drop ")) {
                    channel.getSession().close(true);
                    return;
                }
                String reply = command.contains("echo-stdin ") ? n + ":" + text
                        : command.contains("quick ") ? "ran " + n + "\n"
                        : command.contains("id -u") ? "0\n" : "";
                out.write(reply.getBytes(StandardCharsets.UTF_8));
                out.flush();
                exit.onExit(0);
            } catch (IOException e) {
                exit.onExit(255, e.toString());
            }
        }

        @Override
        public void destroy(ChannelSession channel) {
            waiting.remove(this);
        }
    }
}
