package dev.passage.gateway.config;

import java.util.List;

/**
 * Redaction of the kept audit copy; the proxied traffic is never changed. A list given here adds
 * to the built-in list (and a route's to the global {@code audit.redact}); names compare
 * case-insensitively.
 *
 * @param headers     header names (built in: authorization, cookie, set-cookie, proxy-authorization,
 *                    x-api-key)
 * @param jsonFields  field names in JSON bodies, at any depth, and in form bodies (built in:
 *                    password, passwd, secret, token, access_token, refresh_token, id_token,
 *                    client_secret, api_key, apikey, authorization, private_key)
 * @param queryParams query parameter names in the URI and in Referer/Location/Content-Location,
 *                    and form fields too (built in: the same names as jsonFields)
 */
public record RedactConfig(List<String> headers, List<String> jsonFields, List<String> queryParams) {

  public static final RedactConfig DEFAULT = new RedactConfig(null, null, null);
}
