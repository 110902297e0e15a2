package dev.passage.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RouteTableTest {

  final RouteTable<String> table = RouteTable.<String>builder()
      .add(new RouteRule("*", "/", Set.of()), "root")
      .add(new RouteRule("*", "/api", Set.of("GET")), "api-any-host")
      .add(new RouteRule("*.example.com", "/api", Set.of()), "api-wildcard")
      .add(new RouteRule("shop.example.com", "/api", Set.of()), "api-shop")
      .add(new RouteRule("*", "/api/v2", Set.of()), "api-v2")
      .build();

  @Test
  void longestPrefixWins() {
    assertEquals("api-v2", table.match("a", "/api/v2/users", "GET"));
    assertEquals("api-any-host", table.match("a", "/api/v1", "GET"));
  }

  @Test
  void exactHostBeatsWildcardBeatsAnyOnEqualPrefix() {
    assertEquals("api-shop", table.match("shop.example.com", "/api", "POST"));
    assertEquals("api-wildcard", table.match("blog.example.com", "/api", "POST"));
    assertEquals("api-any-host", table.match("other.org", "/api", "GET"));
  }

  @Test
  void prefixesMatchOnSegmentBoundaries() {
    assertEquals("root", table.match("a", "/apix", "GET"));
    assertEquals("api-any-host", table.match("a", "/api", "GET"));
  }

  @Test
  void methodsFilterAndFallThrough() {
    assertEquals("root", table.match("other.org", "/api", "DELETE"));
    RouteTable<String> onlyApi = RouteTable.<String>builder().add(new RouteRule("*", "/api", Set.of("GET")), "api").build();
    assertNull(onlyApi.match("a", "/api", "POST"));
    assertNull(onlyApi.match("a", "/other", "GET"));
  }
}
