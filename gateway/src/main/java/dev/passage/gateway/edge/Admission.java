package dev.passage.gateway.edge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The front door's decision on one request, handed to the engine in request order
 * ({@link FrontDoorHandler#nextAdmission()}). Refused: the engine answers {@link #refusal()} and
 * closes. Admitted: the engine serves the canonical request, and learns here of what can only go
 * wrong later, while the body streams (a bad chunk, a stalled upload, a body past the route's
 * limit). Used on the connection's event loop only.
 */
public final class Admission {

  /** Told when the request body is refused after the request was admitted. */
  public interface BodyRefusalListener {
    /** Returns whether the exchange handled it (answered and/or closed); otherwise the connection is closed. */
    boolean bodyRefused(RefusalReason reason);
  }

  private final RefusalReason refusal;
  private final String method;
  private final String target;
  private final List<HeaderField> fields;
  private final boolean asteriskOptions;
  private final boolean expectContinue;
  private final boolean hasBody;
  private final FrontDoorHandler owner;
  private long maxBodyBytes = -1;
  private RefusalReason bodyRefusal;
  private BodyRefusalListener listener;
  private boolean taken;
  private long bodyProgressNanos = System.nanoTime();

  private Admission(RefusalReason refusal, String method, String target, List<HeaderField> fields,
      boolean asteriskOptions, boolean expectContinue, boolean hasBody, FrontDoorHandler owner) {
    this.refusal = refusal;
    this.method = method;
    this.target = target;
    this.fields = fields;
    this.asteriskOptions = asteriskOptions;
    this.expectContinue = expectContinue;
    this.hasBody = hasBody;
    this.owner = owner;
  }

  static Admission admitted(RequestHead head, FrontDoorHandler owner) {
    return new Admission(null, head.method, head.target, List.of(), head.target.equals("*"), head.expectContinue,
        head.framing != RequestHead.Framing.NONE, owner);
  }

  static Admission refused(RefusalReason reason, String method, String target, List<HeaderField> parsedFields) {
    return new Admission(reason, method == null ? "" : method, target == null ? "" : target,
        List.copyOf(parsedFields), false, false, false, null);
  }

  /** Why the request was refused before the engine saw it, or null when it was admitted. */
  public RefusalReason refusal() {
    return refusal;
  }

  /** The method as received, or "" when the request line was unreadable. */
  public String method() {
    return method;
  }

  /** The target as received (refused) or as forwarded (admitted), or "" when unreadable. */
  public String target() {
    return target;
  }

  /** The header fields parsed before a refusal (empty for admitted requests: the engine has them). */
  public List<Map.Entry<String, String>> parsedHeaders() {
    List<Map.Entry<String, String>> out = new ArrayList<>(fields.size());
    for (HeaderField f : fields) {
      out.add(Map.entry(f.name(), f.value()));
    }
    return out;
  }

  /** {@code OPTIONS *}: a question about the server itself, answered by the gateway. */
  public boolean asteriskOptions() {
    return asteriskOptions;
  }

  /** The client waits for {@code 100 Continue} before sending the body. */
  public boolean expectContinue() {
    return expectContinue;
  }

  /** The request announced a body (Content-Length above 0 or chunked). */
  public boolean hasBody() {
    return hasBody;
  }

  /**
   * When the request last made progress: its last body bytes arrived, or its body ended (then it
   * stays put). A response timeout counts from here.
   */
  public long bodyProgressNanos() {
    return bodyProgressNanos;
  }

  void bodyProgress(long nanos) {
    bodyProgressNanos = nanos;
  }

  /** The route's body limit; a body that grows past it is refused with 413 as it streams. */
  public void limitBody(long maxBytes) {
    this.maxBodyBytes = maxBytes;
  }

  long maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Registers the exchange for a refusal of the body; told at once if one already happened. */
  public void onBodyRefused(BodyRefusalListener l) {
    this.listener = l;
    if (bodyRefusal != null) {
      l.bodyRefused(bodyRefusal);
    }
  }

  /**
   * The engine turned this request into a tunnel: from now on bytes pass unparsed. Until the
   * engine says this or {@link #noTunnel()}, the front door holds what follows a request that
   * asked for an upgrade.
   */
  public void tunnelEstablished() {
    if (owner != null) {
      owner.tunnelEstablished();
    }
  }

  /** The request's Upgrade is not taken up: what follows it is parsed as requests again. */
  public void noTunnel() {
    if (owner != null) {
      owner.noTunnel();
    }
  }

  void taken() {
    taken = true;
  }

  /** Returns false when nobody will answer the refusal, so the front door must close the connection. */
  boolean refuseBody(RefusalReason reason) {
    if (bodyRefusal != null) {
      return true;
    }
    bodyRefusal = reason;
    if (!taken) {
      // A pipelined request the engine has not started: it sees the refusal when it takes it.
      return true;
    }
    return listener != null && listener.bodyRefused(reason);
  }
}
