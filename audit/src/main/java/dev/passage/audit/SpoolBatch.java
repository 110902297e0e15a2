package dev.passage.audit;

import java.util.List;

/**
 * What one read of the spool found: the lines, the position after them, and how many of them an
 * earlier run appended (replays).
 */
record SpoolBatch(List<byte[]> lines, long next, int replayed) {}
