package io.kubeferry.ssh;

import com.jcraft.jsch.Channel;
import com.jcraft.jsch.Proxy;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SocketFactory;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/** Carries a host's SSH connection inside a direct-tcpip channel of the bastion's session (like OpenSSH's ProxyJump). */
final class BastionProxy implements Proxy {
    private final Session bastion;
    private Channel channel;
    private InputStream in;
    private OutputStream out;

    BastionProxy(Session bastion) {
        this.bastion = bastion;
    }

    @Override
    public void connect(SocketFactory socketFactory, String host, int port, int timeout) throws Exception {
        channel = bastion.getStreamForwarder(host, port);
        if (channel == null) {
            // JSch returns null instead of an error when the bastion's session died
            throw new com.jcraft.jsch.JSchException("the bastion's session is down");
        }
        // streams taken, never set: with no input stream set, ChannelDirectTCPIP.connect opens the channel in
        // this thread and starts no pump thread (the one setInputStream starts can race a CLOSE, as exec's did)
        in = channel.getInputStream();
        out = channel.getOutputStream();
        channel.connect(timeout);
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return out;
    }

    @Override
    public Socket getSocket() {
        return null;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.disconnect();
        }
    }
}
