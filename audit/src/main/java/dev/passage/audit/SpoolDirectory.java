package dev.passage.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The spool's directory, held by one process: a lock on {@code .lock} (two gateways appending to one
 * spool would interleave their frames and delete each other's segments), the id of the gateway
 * instance that owns the spool, and the fsync of the directory itself that makes a file's creation,
 * rename or deletion survive a power cut.
 */
final class SpoolDirectory {

  private static final String LOCK_FILE = ".lock";
  /** This gateway instance's id, made at the spool's first start and kept with it. */
  static final String INSTANCE_FILE = "instance.id";

  private final Path path;
  private final FileChannel lockChannel;
  private final FileLock fileLock;

  private SpoolDirectory(Path path, FileChannel lockChannel, FileLock fileLock) {
    this.path = path;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
  }

  /** Creates {@code dir} if needed and locks it; fails when another process (or this JVM) holds it. */
  static SpoolDirectory lock(Path dir) throws IOException {
    Path path = dir.toAbsolutePath();
    Files.createDirectories(path);
    FileChannel lockChannel = FileChannel.open(path.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock fileLock;
    try {
      fileLock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lockChannel.close();
      fileLock = null; // this JVM holds it already: as taken as if another process did
    } catch (IOException | RuntimeException e) {
      lockChannel.close();
      throw e;
    }
    if (fileLock == null) {
      lockChannel.close();
      throw new IOException("audit spool " + path + " is in use by another process; each gateway needs its own audit.spool.dir");
    }
    return new SpoolDirectory(path, lockChannel, fileLock);
  }

  Path path() {
    return path;
  }

  /** Removes the temp files of cursor writes a crash interrupted; the old cursor files stand. */
  void removeTempFiles() throws IOException {
    try (Stream<Path> list = Files.list(path)) {
      for (Path tmp : list.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /** The instance id kept in {@link #INSTANCE_FILE}, made (random) when there is none yet. */
  String loadInstance() throws IOException {
    Path file = path.resolve(INSTANCE_FILE);
    if (Files.exists(file)) {
      String id = Files.readString(file, StandardCharsets.US_ASCII).trim();
      try {
        ChainHead.start(id); // the same character rules as a stream id
        return id;
      } catch (IllegalArgumentException e) {
        throw new IOException("audit spool " + path + ": " + INSTANCE_FILE + " does not hold a valid instance id ("
            + e.getMessage() + "); restore it, or delete it to start a new instance", e);
      }
    }
    String id = UUID.randomUUID().toString();
    Path tmp = path.resolve(INSTANCE_FILE + ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.US_ASCII));
      while (b.hasRemaining()) {
        out.write(b);
      }
      out.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    force(path);
    return id;
  }

  /** Releases the lock: another process may take the directory. */
  void release() {
    try {
      fileLock.release();
      lockChannel.close();
    } catch (IOException e) {
      AuditSpool.LOG.warn("audit spool {}: releasing its lock failed", path, e);
    }
  }

  /** Closes the lock's channel after a failed start (which releases the lock with it). */
  void closeQuietly() {
    try {
      lockChannel.close();
    } catch (IOException ignored) {
      // The start failed already; that error is the one to report.
    }
  }

  /** Makes a file creation, rename or deletion in {@code dir} durable. */
  static void force(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
