package dev.passage.gateway.config;

/**
 * One route: which requests it takes and where it sends them.
 *
 * @param name        unique name, used in metrics and audit records (required)
 * @param match       which requests this route takes (required: {@code path_prefix})
 * @param stripPrefix remove {@code match.path_prefix} from the path sent upstream (default false)
 * @param upstream    where matched requests go (required: {@code targets})
 * @param audit       what the audit trail keeps of this route's exchanges
 * @param maxRequestBodyBytes largest request body accepted (default: no limit, as Envoy and Kong);
 *                    a larger Content-Length gets 413 before anything is forwarded, a chunked body
 *                    that grows past it gets 413 (or a reset, once the response started)
 */
public record RouteConfig(
    String name, MatchConfig match, Boolean stripPrefix, UpstreamConfig upstream, RouteAuditConfig audit,
    Long maxRequestBodyBytes) {

  public RouteConfig {
    stripPrefix = stripPrefix == null ? Boolean.FALSE : stripPrefix;
    audit = audit == null ? RouteAuditConfig.DEFAULT : audit;
    maxRequestBodyBytes = maxRequestBodyBytes == null ? -1L : maxRequestBodyBytes;
  }
}
