package dev.passage.gateway.edge;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The peers whose forwarding headers (X-Forwarded-*, Forwarded, X-Real-IP) are believed. From any
 * other peer those headers are what a client chose to claim, so the gateway replaces them.
 */
public final class TrustedProxies {

  private static final TrustedProxies NONE = new TrustedProxies(List.of());

  private final List<byte[]> networks;
  private final List<Integer> prefixes;

  private TrustedProxies(List<String> cidrs) {
    networks = new ArrayList<>(cidrs.size());
    prefixes = new ArrayList<>(cidrs.size());
    for (String cidr : cidrs) {
      int slash = cidr.indexOf('/');
      byte[] address = literal(slash < 0 ? cidr : cidr.substring(0, slash), cidr);
      int bits = address.length * 8;
      int prefix = bits;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > bits) {
          throw new IllegalArgumentException("\"" + cidr + "\": prefix length must be 0.." + bits);
        }
      }
      networks.add(address);
      prefixes.add(prefix);
    }
  }

  /** Parses CIDRs such as {@code 10.0.0.0/8} or {@code ::1/128}; a bare address is one host. */
  public static TrustedProxies parse(List<String> cidrs) {
    return cidrs.isEmpty() ? NONE : new TrustedProxies(cidrs);
  }

  /** Whether {@code ip} (a literal address, as the socket reports it) is a trusted proxy. */
  public boolean trusts(String ip) {
    if (networks.isEmpty() || ip == null) {
      return false;
    }
    byte[] address;
    try {
      address = literal(ip, ip);
    } catch (IllegalArgumentException e) {
      return false;
    }
    for (int i = 0; i < networks.size(); i++) {
      if (contains(networks.get(i), prefixes.get(i), address)) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(byte[] network, int prefix, byte[] address) {
    if (network.length != address.length) {
      return false;
    }
    for (int bit = 0; bit < prefix; bit++) {
      int mask = 0x80 >>> (bit % 8);
      if ((network[bit / 8] & mask) != (address[bit / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** Parses an IP literal without name resolution (a host name is an error, never a DNS lookup). */
  private static byte[] literal(String text, String whole) {
    boolean literal = !text.isEmpty() && (text.indexOf(':') >= 0 || text.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9')));
    if (!literal) {
      throw new IllegalArgumentException("\"" + whole + "\": expected an IP address or CIDR, e.g. 10.0.0.0/8");
    }
    try {
      return InetAddress.getByName(text).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("\"" + whole + "\": not an IP address");
    }
  }
}
