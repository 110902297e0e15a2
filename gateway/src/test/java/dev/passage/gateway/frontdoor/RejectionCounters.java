package dev.passage.gateway.frontdoor;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code passage_requests_rejected_total{reason=...}} as the admin /metrics endpoint prints it. */
final class RejectionCounters {

  private static final Pattern SERIES =
      Pattern.compile("(?m)^passage_requests_rejected_total\\{([^}]*)\\}\\s+(\\S+)$");

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI metrics;

  RejectionCounters(int adminPort) {
    this.metrics = URI.create("http://127.0.0.1:" + adminPort + "/metrics");
  }

  /** The counter for {@code reason}, summed over any other tags; 0 when the series does not exist yet. */
  double count(String reason) throws IOException, InterruptedException {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + metrics + " answered " + r.statusCode());
    }
    double sum = 0;
    Matcher m = SERIES.matcher(r.body());
    while (m.find()) {
      if (m.group(1).contains("reason=\"" + reason + "\"")) {
        sum += Double.parseDouble(m.group(2));
      }
    }
    return sum;
  }

  /** Polls until the counter for {@code reason} exceeds {@code before}; returns the last value read. */
  double awaitAbove(String reason, double before, long millis) throws IOException, InterruptedException {
    long end = System.currentTimeMillis() + millis;
    double now = count(reason);
    while (now <= before && System.currentTimeMillis() < end) {
      Thread.sleep(25);
      now = count(reason);
    }
    return now;
  }
}
