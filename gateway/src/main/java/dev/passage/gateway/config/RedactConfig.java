package dev.passage.gateway.config;

import java.util.List;

/**
 * Redaction of the kept audit copy; the proxied traffic is never changed. A list given here
 * replaces the default list.
 *
 * @param headers     header names (default authorization, cookie, set-cookie, proxy-authorization,
 *                    x-api-key)
 * @param jsonFields  JSON field names, at any depth (default password, secret, token, access_token,
 *                    refresh_token)
 * @param queryParams query parameter names (default none)
 */
public record RedactConfig(List<String> headers, List<String> jsonFields, List<String> queryParams) {

  public static final RedactConfig DEFAULT = new RedactConfig(null, null, null);
}
