package dev.passage.audit;

import java.io.IOException;

/** The spool had no room for the next record; nothing was appended. */
final class SpoolFullException extends IOException {

  private static final long serialVersionUID = 1L;
  /** The record is larger than the spool could ever make room for: waiting would never end. */
  final boolean neverFits;

  SpoolFullException(String message, boolean neverFits) {
    super(message);
    this.neverFits = neverFits;
  }
}
