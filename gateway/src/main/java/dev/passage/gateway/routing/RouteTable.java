package dev.passage.gateway.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Routes in order of specificity: longest path prefix first, then exact host before
 * {@code *.suffix} before {@code *}, then configuration order. The first match wins.
 *
 * @param <R> what a matched route yields (the proxy's per-route handler)
 */
public final class RouteTable<R> {

  private record Entry<R>(RouteRule rule, R route, int order) {}

  private final List<Entry<R>> entries;

  private RouteTable(List<Entry<R>> entries) {
    this.entries = entries;
  }

  public static <R> Builder<R> builder() {
    return new Builder<>();
  }

  /** The most specific route for the request, or null when none matches. */
  public R match(String host, String path, String method) {
    for (Entry<R> e : entries) {
      if (e.rule.matches(host, path, method)) {
        return e.route;
      }
    }
    return null;
  }

  public List<R> routes() {
    List<R> out = new ArrayList<>(entries.size());
    entries.forEach(e -> out.add(e.route));
    return out;
  }

  /** Collects routes in configuration order, then sorts them once. */
  public static final class Builder<R> {
    private final List<Entry<R>> entries = new ArrayList<>();

    public Builder<R> add(RouteRule rule, R route) {
      entries.add(new Entry<>(rule, route, entries.size()));
      return this;
    }

    public RouteTable<R> build() {
      List<Entry<R>> sorted = new ArrayList<>(entries);
      sorted.sort(Comparator.<Entry<R>>comparingInt(e -> -e.rule.pathPrefix().length())
          .thenComparingInt(e -> -e.rule.hostRank())
          .thenComparingInt(e -> e.order));
      return new RouteTable<>(List.copyOf(sorted));
    }
  }
}
