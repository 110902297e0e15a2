package dev.passage.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CheckCommandTest {

  @Test
  void aValidConfigExitsZeroAndTheBundledExampleIsValid() {
    assertEquals(0, run("check", "--config", "../examples/passage.yaml").code);
  }

  @Test
  void anInvalidConfigPrintsEveryErrorAndExitsTwo(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("passage.yaml");
    Files.writeString(bad, """
        listen: nowhere
        routes:
          - name: api
            match: { path_prefix: /api }
            upstream: { targets: [not-a-url] }
            colour: blue
        """);
    Result r = run("check", "--config", bad.toString());
    assertEquals(2, r.code);
    assertTrue(r.err.contains(bad + ":1 listen: expected host:port"), r.err);
    assertTrue(r.err.contains(bad + ":5 routes[0].upstream.targets[0]: not an http(s) URL"), r.err);
    assertTrue(r.err.contains(bad + ":6 routes[0].colour: unknown key"), r.err);
  }

  @Test
  void everyCommandHasHelpAndThereIsAVersion() {
    for (String cmd : new String[] {"run", "proxy", "check"}) {
      Result r = run(cmd, "--help");
      assertEquals(0, r.code);
      assertTrue(r.out.contains("Usage: passage " + cmd), r.out);
    }
    assertTrue(run("--version").out.startsWith("passage "));
  }

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true));
      System.setErr(new PrintStream(err, true));
      CommandLine cl = new CommandLine(new PassageCommand());
      cl.setOut(new java.io.PrintWriter(out, true));
      cl.setErr(new java.io.PrintWriter(err, true));
      int code = cl.execute(args);
      return new Result(code, out.toString(), err.toString());
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
