package dev.passage.gateway.edge;

/** One field line as received: the name with its case, the value without surrounding whitespace. */
record HeaderField(String name, String value) {

  boolean is(String lowerCaseName) {
    return name.equalsIgnoreCase(lowerCaseName);
  }

  /**
   * A header or trailer line without its CRLF (RFC 9112 section 5): a token name directly
   * followed by ':', no obs-fold, no control bytes in the value.
   */
  static HeaderField parse(String line) {
    char first = line.charAt(0);
    if (first == ' ' || first == '\t') {
      // obs-fold: a continuation of the previous line, which RFC 9112 section 5.2 lets a server refuse.
      throw new RequestRefused(RefusalReason.BAD_HEADER);
    }
    int colon = line.indexOf(':');
    if (colon <= 0 || !HttpSyntax.isToken(line.substring(0, colon))) {
      throw new RequestRefused(RefusalReason.BAD_HEADER);
    }
    int from = colon + 1;
    int to = line.length();
    while (from < to && (line.charAt(from) == ' ' || line.charAt(from) == '\t')) {
      from++;
    }
    while (to > from && (line.charAt(to - 1) == ' ' || line.charAt(to - 1) == '\t')) {
      to--;
    }
    for (int i = from; i < to; i++) {
      if (!HttpSyntax.isFieldValueByte(line.charAt(i))) {
        throw new RequestRefused(RefusalReason.BAD_HEADER);
      }
    }
    return new HeaderField(line.substring(0, colon), line.substring(from, to));
  }
}
