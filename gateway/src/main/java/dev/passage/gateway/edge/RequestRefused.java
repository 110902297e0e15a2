package dev.passage.gateway.edge;

/** A request the front door will not pass on; carries the reason, no stack trace (it is not a bug). */
public final class RequestRefused extends RuntimeException {

  private final RefusalReason reason;

  public RequestRefused(RefusalReason reason) {
    super(reason.message(), null, false, false);
    this.reason = reason;
  }

  public RefusalReason reason() {
    return reason;
  }
}
