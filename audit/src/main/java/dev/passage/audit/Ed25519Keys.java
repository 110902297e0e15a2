package dev.passage.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ed25519 keys in PEM files, the JDK's own implementation: a private key as PKCS#8 ({@code -----BEGIN
 * PRIVATE KEY-----}, what {@code openssl genpkey -algorithm ed25519} writes) and a public key as
 * SubjectPublicKeyInfo ({@code -----BEGIN PUBLIC KEY-----}, what {@code openssl pkey -pubout} writes).
 * A key's id is the first 8 bytes of the SHA-256 of its public key's DER encoding, in hex.
 */
public final class Ed25519Keys {

  private static final String PRIVATE = "PRIVATE KEY";
  private static final String PUBLIC = "PUBLIC KEY";

  private Ed25519Keys() {}

  /** Writes a new pair to {@code prefix.key} (owner-only permissions where the file system has them) and {@code prefix.pub}. */
  public static String generate(Path prefix) throws IOException {
    KeyPair pair;
    try {
      pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519", e);
    }
    Path key = prefix.resolveSibling(prefix.getFileName() + ".key");
    Path pub = prefix.resolveSibling(prefix.getFileName() + ".pub");
    if (Files.exists(key) || Files.exists(pub)) {
      throw new IOException("refusing to overwrite " + key + " or " + pub + ": a lost signing key cannot be recovered");
    }
    try {
      Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(key);
    }
    Files.writeString(key, pem(PRIVATE, pair.getPrivate().getEncoded()), StandardCharsets.US_ASCII,
        StandardOpenOption.TRUNCATE_EXISTING);
    Files.writeString(pub, pem(PUBLIC, pair.getPublic().getEncoded()), StandardCharsets.US_ASCII,
        StandardOpenOption.CREATE_NEW);
    return keyId(pair.getPublic());
  }

  /** The private key in {@code file}, and its public half's id; IOException saying what is wrong. */
  public static SigningKey readPrivate(Path file) throws IOException {
    byte[] der = der(file, PRIVATE);
    try {
      KeyFactory f = KeyFactory.getInstance("Ed25519");
      PrivateKey key = f.generatePrivate(new PKCS8EncodedKeySpec(der));
      return new SigningKey(key, keyId(publicOf(der)));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException(file + " is not an Ed25519 private key in PKCS#8 PEM (" + e.getMessage() + ")", e);
    }
  }

  /** Every public key in {@code file} (one or more PEM blocks); IOException saying what is wrong. */
  public static java.util.List<PublicKey> readPublic(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    java.util.List<PublicKey> keys = new java.util.ArrayList<>();
    String begin = "-----BEGIN " + PUBLIC + "-----";
    for (int at = text.indexOf(begin); at >= 0; at = text.indexOf(begin, at + 1)) {
      try {
        keys.add(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der(text.substring(at), PUBLIC, file))));
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new IOException(file + " holds a PUBLIC KEY block that is not an Ed25519 key (" + e.getMessage() + ")", e);
      }
    }
    if (keys.isEmpty()) {
      throw new IOException(file + " holds no -----BEGIN PUBLIC KEY----- block");
    }
    return keys;
  }

  /** The public half of an Ed25519 private key. */
  static PublicKey publicOf(PrivateKey key) {
    try {
      return publicOf(key.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 private key: " + e.getMessage(), e);
    }
  }

  public static String keyId(PublicKey key) {
    return RecordChain.HEX.formatHex(Arrays.copyOf(RecordChain.sha256().digest(key.getEncoded()), 8));
  }

  /**
   * The public key of a PKCS#8 Ed25519 private key. The JDK has no call that derives it, but its key
   * pair generator draws exactly the 32-byte private seed from its random source and derives the
   * public key from it (RFC 8032, 5.1.5); given the seed as its "random" bytes, it yields this pair.
   */
  private static PublicKey publicOf(byte[] pkcs8) throws GeneralSecurityException {
    // PKCS#8 for Ed25519 ends with OCTET STRING { OCTET STRING (32-byte seed) }.
    byte[] seed = Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
    KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
    g.initialize(new java.security.spec.NamedParameterSpec("Ed25519"), new FixedSeed(seed));
    return g.generateKeyPair().getPublic();
  }

  private static byte[] der(Path file, String type) throws IOException {
    return der(Files.readString(file, StandardCharsets.US_ASCII), type, file);
  }

  private static byte[] der(String text, String type, Path file) throws IOException {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int b = text.indexOf(begin);
    int e = text.indexOf(end, Math.max(b, 0));
    if (b < 0 || e < 0) {
      throw new IOException(file + " holds no " + begin + " block");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    } catch (IllegalArgumentException ex) {
      throw new IOException(file + ": the " + type + " block is not base64", ex);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** A "random" source that yields the seed: makes the generator derive the key pair of a known private key. */
  private static final class FixedSeed extends java.security.SecureRandom {
    private final byte[] seed;

    FixedSeed(byte[] seed) {
      this.seed = seed.clone();
    }

    @Override
    public void nextBytes(byte[] bytes) {
      System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
    }
  }

  /** A private key and the id of its public key. */
  public record SigningKey(PrivateKey key, String keyId) {}
}
