package dev.passage.gateway.proxy;

/** Bytes seen on one direction of a stream; touched by one event loop only. */
final class ByteCounter {
  long bytes;
}
