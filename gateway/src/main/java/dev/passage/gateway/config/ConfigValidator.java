package dev.passage.gateway.config;

import dev.passage.audit.Checkpoint;
import dev.passage.audit.Ed25519Keys;
import dev.passage.audit.FsyncPolicy;
import dev.passage.audit.SpoolFullPolicy;
import dev.passage.audit.SpoolSettings;
import dev.passage.audit.kafka.KafkaSinkSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

/**
 * Checks bound config values and collects one {@link ConfigError} per problem. Out-of-range values
 * are rejected, never clamped: an audit trail must not quietly change its policy.
 */
final class ConfigValidator {

  private static final Pattern ROUTE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern METHOD = Pattern.compile("[A-Z]{1,20}");
  private static final Pattern MEDIA_PATTERN =
      Pattern.compile("[a-z0-9!#$&^_.+-]+/(\\*|\\*\\+[a-z0-9!#$&^_.+-]+|[a-z0-9!#$&^_.+-]+)");
  private static final Pattern HOST = Pattern.compile("\\*|(\\*\\.)?[A-Za-z0-9.-]+");
  private static final Pattern BOOTSTRAP_SERVER = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}");
  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

  private final String file;
  private final ToIntFunction<String> lineOf;
  private final List<ConfigError> errors;

  ConfigValidator(String file, ToIntFunction<String> lineOf, List<ConfigError> errors) {
    this.file = file;
    this.lineOf = lineOf;
    this.errors = errors;
  }

  void validate(PassageConfig c) {
    if (c.listen() == null) {
      error("listen", "required: the proxy's host:port, e.g. 127.0.0.1:8080");
    } else {
      address("listen", c.listen());
    }
    if (c.admin() != null && c.admin().listen() != null) {
      address("admin.listen", c.admin().listen());
      if (c.admin().listen().equals(c.listen()) && !c.listen().endsWith(":0")) {
        error("admin.listen", "must differ from listen: the admin API never shares the proxy port");
      }
      boolean noToken = c.admin().token() == null || c.admin().token().isBlank();
      if (!c.admin().publicMetrics() && noToken) {
        error("admin.public_metrics", "false needs admin.token: without a token nothing could read /health or /metrics");
      }
    }
    server(c.server());
    if (c.routes().isEmpty()) {
      error("routes", "at least one route is required");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < c.routes().size(); i++) {
      route("routes[" + i + "]", c.routes().get(i), names, c.audit());
    }
    audit(c.audit());
  }

  private void server(ServerConfig s) {
    range("server.max_initial_line_bytes", s.maxInitialLineBytes(), 256, 1 << 20);
    range("server.max_header_bytes", s.maxHeaderBytes(), 1024, 1 << 20);
    range("server.max_header_count", s.maxHeaderCount(), 1, 10_000);
    range("server.max_requests_per_connection", s.maxRequestsPerConnection(), 1, Integer.MAX_VALUE);
    range("server.max_connections", s.maxConnections(), 1, 10_000_000);
    duration("server.header_timeout", s.headerTimeout());
    duration("server.body_timeout", s.bodyTimeout());
    duration("server.idle_timeout", s.idleTimeout());
    duration("server.shutdown_grace", s.shutdownGrace());
    for (int i = 0; i < s.trustedProxies().size(); i++) {
      try {
        dev.passage.gateway.edge.TrustedProxies.parse(List.of(s.trustedProxies().get(i)));
      } catch (IllegalArgumentException e) {
        error("server.trusted_proxies[" + i + "]", e.getMessage());
      }
    }
    if (!s.encodedSlashes().equals("keep") && !s.encodedSlashes().equals("reject")) {
      error("server.encoded_slashes", "expected keep or reject");
    }
    if (!s.expectContinue().equals("gateway") && !s.expectContinue().equals("upstream")) {
      error("server.expect_continue", "expected gateway or upstream");
    }
  }

  private void route(String at, RouteConfig r, Set<String> names, AuditConfig audit) {
    if (r.name() == null) {
      error(at + ".name", "required");
    } else if (!ROUTE_NAME.matcher(r.name()).matches()) {
      error(at + ".name", "use 1-64 letters, digits, '_', '.' or '-'");
    } else if (!names.add(r.name())) {
      error(at + ".name", "duplicate route name \"" + r.name() + "\"");
    }
    if (r.maxRequestBodyBytes() < -1) {
      error(at + ".max_request_body_bytes", "must be >= 0");
    }
    MatchConfig m = r.match();
    if (m == null || m.pathPrefix() == null) {
      error(at + ".match.path_prefix", "required, e.g. /api");
    } else if (!m.pathPrefix().startsWith("/")) {
      error(at + ".match.path_prefix", "must start with /");
    }
    if (m != null) {
      if (!HOST.matcher(m.host()).matches()) {
        error(at + ".match.host", "expected a host name, *.domain or *");
      }
      for (int i = 0; i < m.methods().size(); i++) {
        String method = m.methods().get(i);
        if (method == null || !METHOD.matcher(method).matches()) {
          error(at + ".match.methods[" + i + "]", "expected an upper-case HTTP method such as GET");
        }
      }
    }
    upstream(at + ".upstream", r.upstream());
    routeAudit(at + ".audit", r.audit(), audit);
  }

  private void upstream(String at, UpstreamConfig u) {
    if (u == null) {
      error(at + ".targets", "required: at least one http(s) URL");
      return;
    }
    if (u.targets() == null || u.targets().isEmpty()) {
      error(at + ".targets", "required: at least one http(s) URL");
    } else {
      for (int i = 0; i < u.targets().size(); i++) {
        target(at + ".targets[" + i + "]", u.targets().get(i));
      }
    }
    if (!u.balance().equals("round_robin") && !u.balance().equals("least_requests")) {
      error(at + ".balance", "expected round_robin or least_requests");
    }
    duration(at + ".connect_timeout", u.connectTimeout());
    duration(at + ".response_timeout", u.responseTimeout());
    duration(at + ".idle_timeout", u.idleTimeout());
    duration(at + ".failure_backoff", u.failureBackoff());
    range(at + ".max_connections", u.maxConnections(), 1, 65_535);
    range(at + ".max_pending", u.maxPending(), 0, 1_000_000);
    range(at + ".max_websockets", u.maxWebsockets(), 1, 1_000_000);
    if (u.hostHeader().isBlank()) {
      error(at + ".host_header", "expected preserve, target or a host name");
    }
  }

  private void target(String at, String url) {
    try {
      URI uri = new URI(url);
      boolean http = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
      String path = uri.getRawPath();
      if (!http || uri.getHost() == null) {
        error(at, "not an http(s) URL");
      } else if (path != null && !path.isEmpty() && !path.equals("/")) {
        error(at, "a target is scheme://host:port without a path; use strip_prefix to rewrite paths");
      } else if (uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
        error(at, "a target is scheme://host:port without query or user info");
      }
    } catch (Exception e) {
      error(at, "not an http(s) URL");
    }
  }

  private void routeAudit(String at, RouteAuditConfig a, AuditConfig audit) {
    if (a.maxBodyBytes() < 0) {
      error(at + ".max_body_bytes", "must be >= 0");
    } else if (a.maxBodyBytes() > audit.budgetBytes()) {
      error(at + ".max_body_bytes", "is larger than audit.budget_bytes (" + audit.budgetBytes() + "), so no body could ever be kept");
    }
    if (!(a.budgetShare() > 0 && a.budgetShare() <= 1)) {
      error(at + ".budget_share", "must be a fraction greater than 0 and at most 1, got " + a.budgetShare());
    } else if (a.maxBodyBytes() >= 0 && a.maxBodyBytes() <= audit.budgetBytes()
        && a.maxBodyBytes() > a.shareBytes(audit.budgetBytes())) {
      error(at + ".max_body_bytes", "is larger than this route's capture share (budget_share " + a.budgetShare()
          + " of audit.budget_bytes = " + a.shareBytes(audit.budgetBytes())
          + " bytes), so no body could ever be kept whole; raise budget_share or lower max_body_bytes");
    }
    if (a.keepContentTypes() != null) {
      for (int i = 0; i < a.keepContentTypes().size(); i++) {
        String p = a.keepContentTypes().get(i);
        if (p == null || !MEDIA_PATTERN.matcher(p.toLowerCase()).matches()) {
          error(at + ".keep_content_types[" + i + "]", "expected type/subtype, type/* or type/*+suffix");
        }
      }
    }
  }

  private void audit(AuditConfig a) {
    if (a.budgetBytes() < 0) {
      error("audit.budget_bytes", "must be >= 0");
    }
    range("audit.queue_records", a.queueRecords(), 1, 10_000_000);
    if (!a.onQueueFull().equals("block") && !a.onQueueFull().equals("drop")) {
      error("audit.on_queue_full", "expected block or drop");
    }
    duration("audit.drain_timeout", a.drainTimeout());
    duration("audit.admission_timeout", a.admissionTimeout());
    duration("audit.flush_interval", a.flushInterval());
    if (a.queueBytes() < 64 * 1024) {
      error("audit.queue_bytes", "must be at least 65536 (one record with large headers), got " + a.queueBytes());
    }
    spool(a);
    integrity(a);
    for (int i = 0; i < a.sinks().size(); i++) {
      String at = "audit.sinks[" + i + "]";
      SinkConfig s = a.sinks().get(i);
      switch (s.type()) {
        case SinkConfig.FILE -> fileSink(at, s);
        case SinkConfig.KAFKA -> kafkaSink(at, s, a.spool() != null);
        default -> error(at + ".type", "unknown sink type \"" + s.type() + "\" (expected file or kafka)");
      }
    }
  }

  private void spool(AuditConfig a) {
    if (a.delivery() != null && !a.delivery().equals(AuditConfig.SYNC) && !a.delivery().equals(AuditConfig.ASYNC)) {
      error("audit.delivery", "expected sync or async");
    } else if (a.delivery() != null && a.spool() == null) {
      error("audit.delivery", "needs audit.spool: without a spool there is nothing for a response to wait for");
    }
    SpoolConfig s = a.spool();
    if (s == null) {
      return;
    }
    if (a.sinks().isEmpty()) {
      error("audit.spool", "needs at least one entry in audit.sinks to deliver to");
    }
    if (s.dir() == null || s.dir().isBlank()) {
      error("audit.spool.dir", "required: the directory of the spool's files, e.g. /var/lib/passage/spool");
    }
    if (s.maxBytes() < SpoolSettings.MIN_MAX_BYTES) {
      error("audit.spool.max_bytes", "must be at least " + SpoolSettings.MIN_MAX_BYTES + " (1 MiB), got " + s.maxBytes());
    }
    boolean fsyncOk = true;
    try {
      FsyncPolicy.fromWireName(s.fsync());
    } catch (IllegalArgumentException e) {
      error("audit.spool.fsync", "expected batch, interval or none");
      fsyncOk = false;
    }
    if (s.fsyncInterval() != null) {
      if (fsyncOk && !s.fsync().equals(FsyncPolicy.INTERVAL.wireName())) {
        error("audit.spool.fsync_interval", "applies to fsync: interval only");
      } else {
        duration("audit.spool.fsync_interval", s.fsyncInterval());
      }
    }
    try {
      SpoolFullPolicy.fromWireName(s.onFull());
    } catch (IllegalArgumentException e) {
      error("audit.spool.on_full", "expected fail_closed or fail_open");
    }
  }

  private void integrity(AuditConfig a) {
    IntegrityConfig i = a.integrity();
    if (i == null) {
      return;
    }
    if (a.spool() == null) {
      error("audit.integrity", "needs audit.spool: the hash chain's head is kept with the spool");
    }
    if (i.signingKey() == null || i.signingKey().isBlank()) {
      error("audit.integrity.signing_key", "required: an Ed25519 private key in PKCS#8 PEM (passage audit keygen "
          + "--out PREFIX, or openssl genpkey -algorithm ed25519)");
    }
    String signingKeyId = null;
    if (i.signingKey() != null && !i.signingKey().isBlank()) {
      try {
        signingKeyId = Ed25519Keys.readPrivate(Path.of(i.signingKey())).keyId();
      } catch (IOException | RuntimeException e) {
        error("audit.integrity.signing_key", "cannot use " + i.signingKey() + ": " + e.getMessage());
      }
    }
    Set<String> earlierKeyIds = earlierKeyIds(i.publicKeys());
    if (i.checkpointEvery() < 1 || i.checkpointEvery() > 1_000_000_000L) {
      error("audit.integrity.checkpoint_every", "must be between 1 and 1000000000, got " + i.checkpointEvery());
    }
    duration("audit.integrity.checkpoint_interval", i.checkpointInterval());
    duration("audit.integrity.checkpoint_failure_timeout", i.checkpointFailureTimeout());
    if (i.anchor() != null && i.anchor().kafka() != null) {
      if (i.anchor().path() != null) {
        error("audit.integrity.anchor.path", "give either path or kafka, not both: the anchor is one destination");
      }
      kafkaAnchor(i.anchor().kafka(), a);
    } else if (i.anchor() != null && (i.anchor().path() == null || i.anchor().path().isBlank())) {
      error("audit.integrity.anchor.path", "required (or anchor.kafka): a file for checkpoints, kept apart from the "
          + "audit files");
    } else if (i.anchor() != null && signingKeyId != null && earlierKeyIds != null) {
      rotation(i, signingKeyId, earlierKeyIds);
    }
  }

  /** {@code audit.integrity.anchor.kafka}: servers, a topic that is not a sink's, producer properties. */
  private void kafkaAnchor(IntegrityConfig.KafkaAnchorConfig k, AuditConfig a) {
    String at = "audit.integrity.anchor.kafka";
    if (k.bootstrapServers() == null || k.bootstrapServers().isBlank()) {
      error(at + ".bootstrap_servers", "required for a kafka anchor: host:port[,host:port...]");
    } else if (!java.util.Arrays.stream(k.bootstrapServers().split(",", -1))
        .allMatch(server -> BOOTSTRAP_SERVER.matcher(server.trim()).matches())) {
      error(at + ".bootstrap_servers", "expected host:port[,host:port...], got \"" + k.bootstrapServers() + "\"");
    }
    if (k.topic() == null || !TOPIC.matcher(k.topic()).matches()) {
      error(at + ".topic", k.topic() == null ? "required for a kafka anchor"
          : "a topic name is 1-249 letters, digits, '.', '_' or '-'");
    } else if (a.sinks().stream().anyMatch(s -> SinkConfig.KAFKA.equals(s.type()) && k.topic().equals(s.topic()))) {
      error(at + ".topic", "is an audit sink's topic: the anchor must be kept apart from the trail it attests");
    }
    if (k.properties() != null) {
      for (var e : k.properties().entrySet()) {
        if (e.getValue() == null) {
          error(at + ".properties." + e.getKey(), "needs a value");
          return;
        }
      }
    }
    String problem = dev.passage.audit.kafka.KafkaAnchor.problemWithProperties(k.properties());
    if (problem != null) {
      String field = k.properties() == null ? null : k.properties().keySet().stream()
          .filter(problem::startsWith).findFirst().orElse(null);
      error(at + ".properties" + (field == null ? "" : "." + field), problem);
    }
  }

  /** The ids of the keys in {@code audit.integrity.public_keys}, or null when one cannot be used (each named). */
  private Set<String> earlierKeyIds(List<String> files) {
    Set<String> ids = new HashSet<>();
    boolean ok = true;
    for (int k = 0; k < files.size(); k++) {
      String file = files.get(k);
      String at = "audit.integrity.public_keys[" + k + "]";
      if (file == null || file.isBlank()) {
        error(at, "expected the path of a PEM file holding an Ed25519 public key");
        ok = false;
        continue;
      }
      try {
        Ed25519Keys.readPublic(Path.of(file)).forEach(key -> ids.add(Ed25519Keys.keyId(key)));
      } catch (IOException | RuntimeException e) {
        error(at, "cannot use " + file + ": " + e.getMessage());
        ok = false;
      }
    }
    return ok ? ids : null;
  }

  /**
   * A new signing key with checkpoints of another key in the anchor: the earlier key must be listed in
   * public_keys, so the rotation is written down where whoever verifies the trail will look.
   */
  private void rotation(IntegrityConfig i, String signingKeyId, Set<String> earlierKeyIds) {
    Checkpoint last;
    try {
      last = Checkpoint.lastInFile(Path.of(i.anchor().path()));
    } catch (IOException | RuntimeException e) {
      error("audit.integrity.anchor.path", "cannot read " + i.anchor().path() + ": " + e.getMessage());
      return;
    }
    if (last != null && !last.keyId().equals(signingKeyId) && !earlierKeyIds.contains(last.keyId())) {
      error("audit.integrity.signing_key", "is key " + signingKeyId + ", but the last checkpoint in the anchor "
          + i.anchor().path() + " (" + last.time() + ") was signed by key " + last.keyId() + ": after a key rotation "
          + "list the earlier key's public half in audit.integrity.public_keys (verifiers need it: passage audit "
          + "verify --public-key once per key)");
    }
  }

  private void fileSink(String at, SinkConfig s) {
    if (s.path() == null || s.path().isBlank()) {
      error(at + ".path", "required for a file sink");
    }
    if (s.maxFileBytes() < 1024) {
      error(at + ".max_file_bytes", "must be >= 1024");
    }
    range(at + ".max_files", s.maxFiles(), 1, 10_000); // unset: keep every generation
    onlyFor(at, "a kafka sink", s.bootstrapServers(), "bootstrap_servers");
    onlyFor(at, "a kafka sink", s.topic(), "topic");
    onlyFor(at, "a kafka sink", s.acks(), "acks");
    onlyFor(at, "a kafka sink", s.compression(), "compression");
    onlyFor(at, "a kafka sink", s.linger(), "linger");
    onlyFor(at, "a kafka sink", s.batchBytes(), "batch_bytes");
    onlyFor(at, "a kafka sink", s.key(), "key");
    onlyFor(at, "a kafka sink", s.properties(), "properties");
  }

  private void kafkaSink(String at, SinkConfig s, boolean chained) {
    onlyFor(at, "a file sink", s.path(), "path");
    onlyFor(at, "a file sink", s.maxFileBytes(), "max_file_bytes");
    onlyFor(at, "a file sink", s.maxFiles(), "max_files");
    boolean serversOk = true;
    if (s.bootstrapServers() == null || s.bootstrapServers().isBlank()) {
      error(at + ".bootstrap_servers", "required for a kafka sink: host:port[,host:port...]");
      serversOk = false;
    } else {
      for (String server : s.bootstrapServers().split(",", -1)) {
        if (!BOOTSTRAP_SERVER.matcher(server.trim()).matches()) {
          error(at + ".bootstrap_servers", "expected host:port[,host:port...], got \"" + s.bootstrapServers() + "\"");
          serversOk = false;
          break;
        }
      }
    }
    boolean topicOk = s.topic() != null && TOPIC.matcher(s.topic()).matches();
    if (!topicOk) {
      error(at + ".topic", s.topic() == null ? "required for a kafka sink"
          : "a topic name is 1-249 letters, digits, '.', '_' or '-'");
    }
    if (s.acks() != null && !KafkaSinkSettings.ACKS.contains(s.acks())) {
      error(at + ".acks", s.acks().equals("0")
          ? "0 never hears back from the broker, so no record could count as written; use all or 1"
          : "expected all or 1");
    }
    if (s.compression() != null && !KafkaSinkSettings.COMPRESSIONS.contains(s.compression())) {
      error(at + ".compression", "expected one of " + String.join(", ", KafkaSinkSettings.COMPRESSIONS));
    }
    if (s.linger() != null) {
      try {
        Durations.parse(s.linger());
      } catch (IllegalArgumentException e) {
        error(at + ".linger", e.getMessage());
      }
    }
    range(at + ".batch_bytes", s.batchBytes(), 1, 64 * 1024 * 1024);
    if (s.key() != null && !KafkaSinkSettings.KEY_FIELDS.contains(s.key())) {
      error(at + ".key", "expected a top-level record field: one of " + String.join(", ", KafkaSinkSettings.KEY_FIELDS));
    } else if (chained && s.key() != null && !s.key().equals(KafkaSinkSettings.INSTANCE_KEY)) {
      // Refused, not overridden: the operator asked for an order the chain cannot have.
      error(at + ".key", "must be instance (the default) with audit.spool: records are chained, and a gateway's chain "
          + "must stay in one partition, in order, to be verified (keyed by " + s.key() + " it would be spread over "
          + "partitions, with no order between them); remove the key to use instance");
    } else if (!chained && KafkaSinkSettings.INSTANCE_KEY.equals(s.key())) {
      error(at + ".key", "instance needs audit.spool: records carry their gateway instance only when chained");
    }
    if (s.properties() != null) {
      for (var e : s.properties().entrySet()) {
        if (e.getValue() == null) {
          error(at + ".properties." + e.getKey(), "needs a value");
          return;
        }
      }
    }
    if (serversOk && topicOk && errors.stream().noneMatch(e -> e.path().startsWith(at + "."))) {
      String problem = s.kafkaSettings(0, null, chained).problemWithProperties();
      if (problem != null) {
        // Name the property when the problem starts with its name, so the line points at it.
        String field = s.properties() == null ? null : s.properties().keySet().stream()
            .filter(problem::startsWith).findFirst().orElse(null);
        error(at + ".properties" + (field == null ? "" : "." + field), problem);
      }
    }
  }

  /** {@code value} set on a sink of the wrong type is an error: it would silently do nothing. */
  private void onlyFor(String at, String kind, Object value, String field) {
    if (value != null) {
      error(at + "." + field, "applies to " + kind + " only");
    }
  }

  private void address(String at, String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      error(at, "expected host:port, e.g. 127.0.0.1:8080");
      return;
    }
    try {
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      if (port < 0 || port > 65_535) {
        error(at, "port must be 0-65535");
      }
    } catch (NumberFormatException e) {
      error(at, "expected host:port, e.g. 127.0.0.1:8080");
    }
  }

  private void duration(String at, String value) {
    try {
      if (Durations.parse(value).isZero()) {
        error(at, "must be greater than zero");
      }
    } catch (IllegalArgumentException e) {
      error(at, e.getMessage());
    }
  }

  private void range(String at, Integer value, int min, int max) {
    if (value != null && (value < min || value > max)) {
      error(at, "must be between " + min + " and " + max + ", got " + value);
    }
  }

  private void error(String path, String message) {
    errors.add(new ConfigError(file, lineOf.applyAsInt(path), path, message));
  }
}
