package io.kubeferry.ssh;

import com.jcraft.jsch.Channel;

import java.lang.reflect.Field;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A JSch session thread factory that makes the exec race of JSch 2.28.8 happen every time instead of once
 * in a few thousand runs.
 *
 * <p>The race: {@code ChannelExec.start()}, when an input stream was set, stores a new stdin-pump thread
 * in {@code Channel.thread}, then reads that field again for {@code setName}, {@code setDaemon} and
 * {@code start}. The session's reader thread, on {@code SSH_MSG_CHANNEL_CLOSE} (which a short command's
 * server sends right after the exec reply), runs {@code Channel.disconnect()}, which sets the field to
 * null: {@code NullPointerException} in the middle of {@code connect}, after the command ran.
 *
 * <p>This factory hands JSch a pump thread whose monitor a helper holds, so {@code Thread.setName}
 * (synchronized) waits; the helper waits until JSch stored the thread, lets the server end the command
 * ({@code closeNow}), waits until the CLOSE has been processed (the field is null again), then lets go.
 * Reading the field needs reflection: it is JSch's package-private state, which is what the race is about.
 */
final class CloseDuringPumpStart implements ThreadFactory {
    private static final Field CHANNEL_THREAD = field(Channel.class, "thread");

    /** Stdin-pump threads JSch asked for: every one of them is a chance for the race. */
    final AtomicInteger pumpThreads = new AtomicInteger();
    private final Runnable closeNow;

    /** @param closeNow makes the server end the running command (and so send CLOSE) */
    CloseDuringPumpStart(Runnable closeNow) {
        this.closeNow = closeNow;
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(r);
        Channel channel = capturedChannel(r);
        if (channel == null) {
            return t;
        }
        pumpThreads.incrementAndGet();
        CountDownLatch holding = new CountDownLatch(1);
        Thread helper = new Thread(() -> {
            synchronized (t) {
                holding.countDown();
                if (await(() -> read(channel) == t)) {
                    closeNow.run();
                    await(() -> read(channel) == null);
                }
            }
        }, "close-during-pump-start");
        helper.setDaemon(true);
        helper.start();
        try {
            holding.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return t;
    }

    /** The channel a JSch {@code this::run} lambda was made for, or null for other threads. */
    private static Channel capturedChannel(Runnable r) {
        for (Field f : r.getClass().getDeclaredFields()) {
            if (Channel.class.isAssignableFrom(f.getType())) {
                f.setAccessible(true);
                try {
                    return (Channel) f.get(r);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return null;
    }

    private static Object read(Channel c) {
        try {
            return CHANNEL_THREAD.get(c);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        return true;
    }

    private static Field field(Class<?> c, String name) {
        try {
            Field f = c.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("JSch changed: no " + c.getName() + "." + name, e);
        }
    }
}
