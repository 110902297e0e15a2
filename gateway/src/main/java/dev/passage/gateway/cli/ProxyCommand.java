package dev.passage.gateway.cli;

import dev.passage.gateway.config.AdminConfig;
import dev.passage.gateway.config.AuditConfig;
import dev.passage.gateway.config.MatchConfig;
import dev.passage.gateway.config.SinkConfig;
import dev.passage.gateway.config.PassageConfig;
import dev.passage.gateway.config.RouteConfig;
import dev.passage.gateway.config.UpstreamConfig;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code passage proxy}: one route, no config file, like {@code caddy reverse-proxy}. */
@Command(name = "proxy", mixinStandardHelpOptions = true,
    description = "Proxy every request from one listener to one or more upstream URLs.")
final class ProxyCommand implements Callable<Integer> {

  @Option(names = "--listen", defaultValue = "127.0.0.1:8080", description = "host:port to listen on (default ${DEFAULT-VALUE})")
  String listen;

  @Option(names = "--to", required = true, split = ",", description = "upstream base URL(s), e.g. http://127.0.0.1:3000")
  List<String> to;

  @Option(names = "--admin", description = "host:port for the admin API (health, metrics)")
  String admin;

  @Option(names = "--audit-file", paramLabel = "FILE",
      description = "write an audit record of every exchange to FILE (JSON lines, default policy)")
  String auditFile;

  @Override
  public Integer call() throws Exception {
    RouteConfig route = new RouteConfig("default", new MatchConfig("*", "/", List.of()), false,
        new UpstreamConfig(to, null, null, null, null, null, null, null, null), null, null);
    AuditConfig audit = auditFile == null ? null
        : new AuditConfig(null, null, null, List.of(new SinkConfig("file", auditFile, null, null)), null);
    AdminConfig adminConfig = admin == null ? null : new AdminConfig(admin, System.getenv("PASSAGE_ADMIN_TOKEN"), null);
    PassageConfig config = new PassageConfig(listen, adminConfig, null, List.of(route), audit);
    return Launcher.runUntilStopped(Launcher.validated(config), null);
  }
}
