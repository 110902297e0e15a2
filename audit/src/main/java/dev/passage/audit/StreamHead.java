package dev.passage.audit;

/**
 * One sink's chain as its delivery last stored it: what {@code /audit/head} serves.
 *
 * @param sink       the sink, as its {@code describe()} names it
 * @param stream     the chain's stream id, or null before the sink stored a chained record
 * @param seq        the seq of the last record the sink stored (0 before any)
 * @param checkpoint the last signed checkpoint line the sink stored since start (without its newline), or
 *                   null: none yet in this run, or no signing key
 */
public record StreamHead(String sink, String stream, long seq, String checkpoint) {}
