package io.roomrouter.haproxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A Unix socket server that behaves like HAProxy's CLI in non-interactive mode: reads one line, writes the next
 * queued answer and closes. An empty queue means "never answer", to test read timeouts.
 */
final class OneCommandServer implements AutoCloseable {
    private final ServerSocketChannel server;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final Thread thread;

    OneCommandServer(Path socket) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(this::serve, "one-command-server");
        thread.setDaemon(true);
        thread.start();
    }

    void answer(String answer) {
        answers.add(answer);
    }

    List<String> commands() {
        return commands;
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                commands.add(readLine(client));
                String answer = answers.poll();
                if (answer == null) {
                    Thread.sleep(5_000);
                    continue;
                }
                byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
                // Small writes, so that the client must read the answer in several pieces.
                for (int i = 0; i < bytes.length; i += 100) {
                    client.write(ByteBuffer.wrap(bytes, i, Math.min(100, bytes.length - i)));
                }
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    private static String readLine(SocketChannel client) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (client.read(one) > 0) {
            byte b = one.get(0);
            one.clear();
            line.write(b);
            if (b == '\n') {
                break;
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        server.close();
        thread.interrupt();
    }
}
