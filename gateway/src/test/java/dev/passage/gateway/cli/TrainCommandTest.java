package dev.passage.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code passage train}, the workload the launcher records a JDK's AOT cache from, really drives
 * exchanges through an audited gateway (an empty training would store no method profiles) and
 * exits cleanly, leaving nothing behind.
 */
class TrainCommandTest {

  @Test
  void aShortTrainingDrivesRealExchangesAndExitsZero() {
    CheckCommandTest.Result result = CheckCommandTest.run("train", "--seconds", "2", "--connections", "4");
    assertEquals(0, result.code(), result.err());
    Matcher m = Pattern.compile("passage train: (\\d+) exchanges in 2 s").matcher(result.err());
    assertTrue(m.find(), result.err());
    assertTrue(Long.parseLong(m.group(1)) > 50, result.err());
  }
}
