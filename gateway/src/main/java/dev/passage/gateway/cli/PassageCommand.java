package dev.passage.gateway.cli;

/** Placeholder entry point; replaced by the picocli command tree. */
public final class PassageCommand {
  public static void main(String[] args) {
    System.out.println("passage");
  }
}
