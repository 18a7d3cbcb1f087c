package io.kubeferry.files;

import io.kubeferry.errors.UnexpectedStateException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The right to change one state directory, held by one command at a time: an OS lock on
 * {@code <state dir>/lock} (released by the kernel if the process dies, so it never goes stale), with the holder
 * (pid, command, start time) written in the file so that a second command can say who it waits for.
 * Writes to the state directory go through the holder ({@link #write}).
 *
 * <p>Not reentrant: a command takes it once for its whole run and hands it to what writes. A second
 * {@code lock} on the same directory in the same process is refused (or waits) like one from another process.
 */
public final class StateLock implements AutoCloseable {
    public static final String FILE_NAME = "lock";
    private static final long POLL_MILLIS = 100;

    /*
     * Locks this JVM holds, by state directory. Process-wide on purpose: POSIX record locks belong to the process
     * (a second channel on the file would not be refused, and closing it would drop the first one's lock), so
     * the JVM must know which directories it already holds before it even opens the file.
     */
    private static final Map<Path, StateLock> HELD_IN_THIS_JVM = new HashMap<>();

    private final StateDirectory directory;
    private final Path key;
    private final String command;
    private final Instant since;
    private final FileChannel channel;
    private final FileLock fileLock;
    private boolean released;

    private StateLock(StateDirectory directory, Path key, String command, Instant since, FileChannel channel,
                      FileLock fileLock) {
        this.directory = directory;
        this.key = key;
        this.command = command;
        this.since = since;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    static StateLock acquire(StateDirectory directory, String command, boolean wait, Consumer<String> waiting) {
        Path file = directory.path().resolve(FILE_NAME);
        Path key = realPath(directory.path()); // one entry however the directory was reached (links, ..)
        boolean told = false;
        while (true) {
            String holder;
            synchronized (HELD_IN_THIS_JVM) {
                StateLock inJvm = HELD_IN_THIS_JVM.get(key);
                if (inJvm != null) {
                    holder = inJvm.describe();
                } else {
                    FileChannel channel = open(file);
                    try {
                        FileLock lock = channel.tryLock();
                        if (lock != null) {
                            Instant since = Instant.now().truncatedTo(ChronoUnit.SECONDS);
                            StateLock held = new StateLock(directory, key, command, since, channel, lock);
                            held.record();
                            HELD_IN_THIS_JVM.put(key, held);
                            return held;
                        }
                        holder = readHolder(channel);
                        channel.close();
                    } catch (IOException e) {
                        closeQuietly(channel);
                        throw LocalIoFailure.of(file, "lock the state directory", e);
                    }
                }
            }
            String message = "another kubeferry command (" + holder + ") is changing this cluster's state in "
                    + directory.path() + "; wait for it or run with --wait";
            if (!wait) {
                throw new UnexpectedStateException(message);
            }
            if (!told) {
                waiting.accept("waiting: " + message.substring(0, message.indexOf(';')));
                told = true;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnexpectedStateException("interrupted while waiting for the lock on " + directory.path(), e);
            }
        }
    }

    public StateDirectory directory() {
        return directory;
    }

    public String command() {
        return command;
    }

    /** True until {@link #close}. */
    public synchronized boolean held() {
        return !released;
    }

    /**
     * Fails (a bug in the caller) unless this lock is held and is the one of {@code stateDir}: what a mutating
     * operation calls first.
     */
    public void requireFor(Path stateDir) {
        if (!held()) {
            throw new IllegalStateException("the lock on " + directory.path() + " was released before " + command
                    + " finished writing");
        }
        if (!directory.path().equals(stateDir.toAbsolutePath().normalize())) {
            throw new IllegalStateException("holds the lock of " + directory.path() + ", not of " + stateDir);
        }
    }

    /**
     * Writes {@code relative} (inside the state directory) atomically with {@code mode}; missing directories
     * are made 0700. A local failure is a located error ({@link LocalIoFailure}).
     */
    public void write(Path relative, byte[] content, int mode) {
        requireFor(directory.path());
        Path file = directory.resolveInside(relative);
        directory.directory(directory.path().relativize(file.getParent()));
        try {
            PrivateFiles.write(file, content, mode, StateDirectory.DIR_MODE);
        } catch (IOException e) {
            throw LocalIoFailure.of(file, "write", e);
        }
    }

    @Override
    public void close() {
        synchronized (HELD_IN_THIS_JVM) {
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
            }
            try {
                channel.truncate(0); // nobody holds it now
            } catch (IOException e) {
                // the kernel releases the lock with the channel anyway; a stale holder line only misleads a message
            }
            try {
                fileLock.release();
            } catch (IOException e) {
                // closing the channel below releases it too
            }
            closeQuietly(channel);
            HELD_IN_THIS_JVM.remove(key);
        }
    }

    private String describe() {
        return "pid " + ProcessHandle.current().pid() + ", `" + command + "`, since " + since;
    }

    private void record() throws IOException {
        byte[] line = (describe() + "\n").getBytes(StandardCharsets.UTF_8);
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(line), 0);
        channel.force(false);
    }

    private static Path realPath(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw LocalIoFailure.of(dir, "lock the state directory", e);
        }
    }

    private static FileChannel open(Path file) {
        try {
            return FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PrivateFiles.permissions(0600)));
        } catch (IOException e) {
            throw LocalIoFailure.of(file, "open the lock file", e);
        }
    }

    private static String readHolder(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(512);
        // the holder writes its line right after locking: give it a moment rather than say nothing
        for (int attempt = 0; attempt < 5; attempt++) {
            buf.clear();
            int n = channel.read(buf, 0);
            if (n > 0) {
                String line = new String(buf.array(), 0, n, StandardCharsets.UTF_8).strip();
                if (!line.isEmpty() && line.chars().noneMatch(c -> c < 0x20)) {
                    return line;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return "holder unknown";
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing held through it
        }
    }

}
