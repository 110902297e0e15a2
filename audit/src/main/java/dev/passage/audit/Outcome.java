package dev.passage.audit;

/** How an exchange ended, as written in the record's {@code outcome} field. */
public enum Outcome {
  /** A response was sent to the client in full. */
  OK("ok"),
  /** The client went away before the response was complete. */
  CLIENT_ABORT("client_abort"),
  /** The upstream could not be reached or broke the exchange; the gateway answered for it. */
  UPSTREAM_ERROR("upstream_error"),
  /** The upstream did not answer within the route's timeout. */
  TIMEOUT("timeout"),
  /** The gateway refused the request itself (no route, oversize, limits) without asking an upstream. */
  REJECTED("rejected");

  private final String wireName;

  Outcome(String wireName) {
    this.wireName = wireName;
  }

  /** The value written into audit records. */
  public String wireName() {
    return wireName;
  }

  /** The outcome written as {@code wireName}; rejects unknown names rather than guessing. */
  public static Outcome fromWireName(String wireName) {
    for (Outcome o : values()) {
      if (o.wireName.equals(wireName)) {
        return o;
      }
    }
    throw new IllegalArgumentException("unknown outcome '" + wireName + "'");
  }
}
