package dev.passage.gateway.config;

import java.util.List;

/**
 * The whole gateway configuration, as read from YAML. Each record in this package is one section;
 * the comment on each field is its reference documentation. Required: {@code listen}, and per route
 * {@code name}, {@code match.path_prefix}, {@code upstream.targets}; everything else has a default.
 *
 * @param listen  address the proxy listener binds, {@code host:port} (required)
 * @param admin   the admin listener (health, metrics, debug); disabled when absent
 * @param server  limits for the client-facing listener
 * @param routes  routes, matched most specific first (see {@link dev.passage.gateway.routing.RouteTable})
 * @param audit   the audit trail; records nothing unless a sink is configured
 */
public record PassageConfig(
    String listen, AdminConfig admin, ServerConfig server, List<RouteConfig> routes, AuditConfig audit) {

  public PassageConfig {
    server = server == null ? ServerConfig.DEFAULT : server;
    routes = routes == null ? List.of() : List.copyOf(routes);
    audit = audit == null ? AuditConfig.DEFAULT : audit;
  }
}
