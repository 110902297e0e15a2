package dev.passage.audit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The order in which a file sink wrote its files, whatever order they are given in (a shell glob
 * sorts {@code .10.gz} before {@code .2.gz}): per active file name, the compressed generations
 * oldest first ({@code .N.gz} … {@code .1.gz}), then renamed files still waiting for compression
 * ({@code .rotating}, {@code .rotating.1}, …), then the active file itself.
 */
final class TrailFiles {

  private static final Pattern GENERATION = Pattern.compile("(.+)\\.([0-9]{1,9})\\.gz");
  private static final Pattern ROTATING = Pattern.compile("(.+)\\.rotating(?:\\.([0-9]{1,18}))?");

  private TrailFiles() {}

  static List<Path> inWriteOrder(List<Path> files) {
    List<Path> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparing(TrailFiles::base).thenComparingInt(TrailFiles::rank)
        .thenComparingLong(TrailFiles::within));
    return sorted;
  }

  private static String base(Path p) {
    String name = p.toAbsolutePath().normalize().toString();
    Matcher g = GENERATION.matcher(name);
    if (g.matches()) {
      return g.group(1);
    }
    Matcher r = ROTATING.matcher(name);
    return r.matches() ? r.group(1) : name;
  }

  private static int rank(Path p) {
    String name = p.getFileName().toString();
    if (GENERATION.matcher(name).matches()) {
      return 0;
    }
    return ROTATING.matcher(name).matches() ? 1 : 2;
  }

  private static long within(Path p) {
    String name = p.getFileName().toString();
    Matcher g = GENERATION.matcher(name);
    if (g.matches()) {
      return -Long.parseLong(g.group(2)); // .3.gz is older than .1.gz
    }
    Matcher r = ROTATING.matcher(name);
    return r.matches() && r.group(2) != null ? Long.parseLong(r.group(2)) : 0;
  }
}
