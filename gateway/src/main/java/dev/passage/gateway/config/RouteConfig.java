package dev.passage.gateway.config;

/**
 * One route: which requests it takes and where it sends them.
 *
 * @param name        unique name, used in metrics and audit records (required)
 * @param match       which requests this route takes (required: {@code path_prefix})
 * @param stripPrefix remove {@code match.path_prefix} from the path sent upstream (default false)
 * @param upstream    where matched requests go (required: {@code targets})
 * @param audit       what the audit trail keeps of this route's exchanges
 */
public record RouteConfig(
    String name, MatchConfig match, Boolean stripPrefix, UpstreamConfig upstream, RouteAuditConfig audit) {

  public RouteConfig {
    stripPrefix = stripPrefix == null ? Boolean.FALSE : stripPrefix;
    audit = audit == null ? RouteAuditConfig.DEFAULT : audit;
  }
}
