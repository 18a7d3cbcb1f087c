package io.kubeferry.testbed.standin;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The kubelet stand-in's log lines, on stderr as the kubelet's (klog's header: severity, MMDD time, pid), each
 * marked "kubelet STAND-IN" so nobody mistakes a journal of it for a real kubelet's.
 */
final class StandInLog {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MMdd HH:mm:ss.SSSSSS");
    private static final long PID = ProcessHandle.current().pid();

    private StandInLog() {
    }

    static void info(String message) {
        line('I', message);
    }

    static void warn(String message) {
        line('W', message);
    }

    static void error(String message) {
        line('E', message);
    }

    private static void line(char severity, String message) {
        String text = severity + LocalDateTime.now().format(TIME) + " " + PID + " kubelet_standin] kubelet STAND-IN: " + message;
        synchronized (System.err) {
            System.err.println(text);
            System.err.flush();
        }
    }
}
