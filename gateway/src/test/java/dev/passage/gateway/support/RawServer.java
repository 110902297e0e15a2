package dev.passage.gateway.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A raw-socket server on 127.0.0.1 for upstreams that answer what no framework would: an accept
 * thread and one daemon thread per connection, each running {@link #serve} and closing the socket
 * after it. Subclasses say what a connection gets.
 */
public abstract class RawServer implements AutoCloseable {

  private final ServerSocket server = new ServerSocket(0, 200, InetAddress.getByName("127.0.0.1"));

  protected RawServer(String name) throws IOException {
    Thread accept = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          Thread connection = new Thread(() -> run(s), name + "-conn");
          connection.setDaemon(true);
          connection.start();
        } catch (IOException closed) {
          return;
        }
      }
    }, name);
    accept.setDaemon(true);
    accept.start();
  }

  /** Handles one connection; the socket is closed when it returns or throws. */
  protected abstract void serve(Socket s) throws Exception;

  private void run(Socket s) {
    try (s) {
      serve(s);
    } catch (Exception gone) {
      // the gateway went away, or the connection was meant to die
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
