package dev.passage.gateway.support;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects Netty's leak reports (logged by ResourceLeakDetector) so a test run can fail on them. */
public final class LeakRecorder extends AppenderBase<ILoggingEvent> {

  static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getLoggerName().contains("ResourceLeakDetector") && event.getFormattedMessage().contains("LEAK")) {
      LEAKS.add(event.getFormattedMessage());
    }
  }
}
