package dev.passage.audit.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * With {@code key: instance} a gateway's chain stream is one partition and must stay in chain order,
 * re-sends included: after a failure the sink starts over from the first line not acknowledged, with a
 * new producer, instead of re-sending the failed line behind the ones sent after it.
 */
class KafkaSinkOrderTest {

  private final List<MockProducer<byte[], byte[]>> producers = new ArrayList<>();
  /** The next producer made fails every send at once. */
  private boolean unreachableNext;

  private KafkaSink sink(String key) throws IOException {
    KafkaSinkSettings s = new KafkaSinkSettings("127.0.0.1:9092", "t", null, null, null, 1024, key, null);
    return new KafkaSink(s, config -> {
      MockProducer<byte[], byte[]> p = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
      if (unreachableNext) {
        unreachableNext = false;
        p.sendException = new TimeoutException("Topic t not present in metadata after 10000 ms.");
      }
      producers.add(p);
      return p;
    });
  }

  static byte[] record(int seq) {
    return ("{\"id\":\"r" + seq + "\",\"route\":\"api\",\"instance\":\"gw-1\",\"chain\":{\"stream\":\"s1\",\"seq\":" + seq
        + ",\"prev\":\"" + "0".repeat(64) + "\"},\"hash\":\"" + "a".repeat(64) + "\"}\n").getBytes(StandardCharsets.UTF_8);
  }

  static byte[] checkpoint(int seq) {
    return ("{\"type\":\"checkpoint\",\"stream\":\"s1\",\"seq\":" + seq + ",\"hash\":\"" + "a".repeat(64)
        + "\",\"time\":\"2026-01-01T00:00:00.000Z\",\"key_id\":\"00\",\"sig\":\"AA==\"}\n").getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> values(MockProducer<byte[], byte[]> p) {
    return p.history().stream().map(r -> {
      String v = new String(r.value(), StandardCharsets.UTF_8);
      return v.startsWith("{\"type\":\"checkpoint\"") ? "cp" : v.substring(7, v.indexOf('"', 7));
    }).toList();
  }

  /** Fails the producer's next incomplete send on another thread, as the producer's I/O thread does. */
  private static void failNextOnIoThread(MockProducer<byte[], byte[]> p) throws InterruptedException {
    Thread io = new Thread(() -> p.errorNext(new TimeoutException("delivery.timeout.ms expired")));
    io.start();
    io.join();
  }

  @Test
  void instanceKeyedLinesAndTheirCheckpointsShareTheInstanceAsKey() throws Exception {
    KafkaSink sink = sink("instance");
    sink.write(List.of(record(1), record(2), checkpoint(2)));
    for (ProducerRecord<byte[], byte[]> r : producers.get(0).history()) {
      assertEquals("gw-1", new String(r.key(), StandardCharsets.UTF_8), "every line of the stream, checkpoint included");
    }
    producers.get(0).flush();
    sink.flush();
    sink.close();
  }

  @Test
  void aFailureStartsOverFromTheFirstUnacknowledgedLineInOrder() throws Exception {
    KafkaSink sink = sink("instance");
    sink.write(List.of(record(1), record(2), record(3), record(4), checkpoint(4)));
    MockProducer<byte[], byte[]> first = producers.get(0);
    assertTrue(first.completeNext(), "seq 1 acknowledged");
    failNextOnIoThread(first); // seq 2 fails for good: the callback stops the producer
    assertTrue(first.closed(), "nothing behind the failed line may be sent by this producer");
    assertTrue(first.completeNext(), "seq 3 acknowledged all the same (answered in the same poll)");

    sink.write(List.of(record(5))); // a new producer sends everything from seq 2 on again, then seq 5
    assertEquals(2, producers.size());
    assertEquals(List.of("r2", "r3", "r4", "cp", "r5"), values(producers.get(1)),
        "from the first unacknowledged line on, the acknowledged seq 3 included: the stream stays in order");
    producers.get(1).flush();
    sink.flush();
    assertEquals(0, sink.unacknowledged());
    sink.close();
  }

  @Test
  void otherKeysReSendOnlyTheFailedLine() throws Exception {
    KafkaSink sink = sink("route");
    sink.write(List.of(record(1), record(2), record(3)));
    MockProducer<byte[], byte[]> p = producers.get(0);
    p.completeNext();
    failNextOnIoThread(p);
    p.completeNext();
    sink.flush(); // sends the failed line again, and waits for it
    assertEquals(1, producers.size(), "the same producer goes on");
    assertEquals(List.of("r1", "r2", "r3", "r2"), values(p), "only the failed line again, after the others");
    sink.close();
  }

  @Test
  void aReSendThatFailsAtOnceStartsOverAgainNextTime() throws Exception {
    KafkaSink sink = sink("instance");
    sink.write(List.of(record(1), record(2), record(3)));
    failNextOnIoThread(producers.get(0)); // seq 1 fails: the producer stops
    // The next producer cannot reach the cluster: its send fails at once (no metadata within max.block.ms).
    unreachableNext = true;
    assertThrows(IOException.class, sink::flush, "the second producer's send failed at once");
    sink.flush(); // starts over once more, with a third producer
    assertEquals(3, producers.size());
    assertEquals(List.of("r1", "r2", "r3"), values(producers.get(2)), "every line again, in order");
    sink.close();
  }
}
