package dev.passage.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decides from a body's headers whether its bytes may be kept for the audit record. Bodies that are
 * not kept are still counted and digested; only the copy is skipped.
 */
public final class ContentPolicy {

  public static final List<String> DEFAULT_KEEP = List.of(
      "application/json",
      "application/*+json",
      "text/*",
      "application/x-www-form-urlencoded",
      "application/xml");

  private static final ContentPolicy DEFAULTS = keeping(DEFAULT_KEEP);

  private final List<String> patterns;

  private ContentPolicy(List<String> patterns) {
    this.patterns = patterns;
  }

  /** The policy keeping {@link #DEFAULT_KEEP}. */
  public static ContentPolicy defaults() {
    return DEFAULTS;
  }

  /**
   * A policy keeping media types that match one of {@code patterns}: {@code type/subtype},
   * {@code type/*} or {@code type/*+suffix}, compared case-insensitively.
   *
   * @throws IllegalArgumentException naming the first pattern that has none of those shapes
   */
  public static ContentPolicy keeping(List<String> patterns) {
    if (patterns == null) {
      throw new IllegalArgumentException("content policy patterns must not be null");
    }
    List<String> normalized = new ArrayList<>(patterns.size());
    for (String pattern : patterns) {
      normalized.add(validated(pattern));
    }
    return new ContentPolicy(List.copyOf(normalized));
  }

  /** The validated patterns, lowercased. */
  public List<String> patterns() {
    return patterns;
  }

  /**
   * Returns null when a body with these headers may be kept, else why it is skipped. The order
   * matters: an event stream is reported as a stream even when it is also an attachment, and
   * downloads (octet-stream, multipart, attachments) are never kept whatever the patterns say,
   * because their size is unbounded and their content is rarely auditable text.
   */
  public SkipReason decide(String contentType, String contentDisposition) {
    String essence = MediaType.essence(contentType);
    if ("text/event-stream".equals(essence)) {
      return SkipReason.STREAM;
    }
    if (isAttachment(contentDisposition)) {
      return SkipReason.CONTENT_TYPE;
    }
    if (essence == null
        || essence.equals("application/octet-stream")
        || essence.startsWith("multipart/")) {
      return SkipReason.CONTENT_TYPE;
    }
    for (String pattern : patterns) {
      if (matches(pattern, essence)) {
        return null;
      }
    }
    return SkipReason.CONTENT_TYPE;
  }

  private static boolean isAttachment(String contentDisposition) {
    if (contentDisposition == null) {
      return false;
    }
    int semicolon = contentDisposition.indexOf(';');
    String type = semicolon < 0 ? contentDisposition : contentDisposition.substring(0, semicolon);
    return type.trim().equalsIgnoreCase("attachment");
  }

  private static boolean matches(String pattern, String essence) {
    int slash = pattern.indexOf('/');
    String subtype = pattern.substring(slash + 1);
    if (!subtype.startsWith("*")) {
      return pattern.equals(essence);
    }
    if (!essence.regionMatches(0, pattern, 0, slash + 1)) {
      return false;
    }
    String actualSubtype = essence.substring(slash + 1);
    // A bare "*+json" subtype is not a media type, so "+suffix" must follow at least one character.
    return subtype.equals("*")
        || (actualSubtype.endsWith(subtype.substring(1)) && actualSubtype.length() > subtype.length() - 1);
  }

  private static String validated(String pattern) {
    if (pattern == null) {
      throw new IllegalArgumentException("content policy pattern must not be null");
    }
    String p = pattern.trim().toLowerCase(Locale.ROOT);
    int slash = p.indexOf('/');
    if (slash <= 0 || !isPlainToken(p, 0, slash) || !validSubtype(p.substring(slash + 1))) {
      throw new IllegalArgumentException("content policy pattern '" + pattern
          + "' is not type/subtype, type/* or type/*+suffix (e.g. application/*+json)");
    }
    return p;
  }

  private static boolean validSubtype(String subtype) {
    if (subtype.equals("*")) {
      return true;
    }
    if (subtype.startsWith("*+")) {
      return isPlainToken(subtype, 2, subtype.length());
    }
    return isPlainToken(subtype, 0, subtype.length());
  }

  /** A token without the '*' wildcard, which is only allowed where the shapes above put it. */
  private static boolean isPlainToken(String s, int from, int to) {
    return MediaType.isToken(s, from, to) && s.substring(from, to).indexOf('*') < 0;
  }
}
