import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Lethe's Java agent: one file, JDK 11+, no dependencies. It follows docs/agent-protocol.md: batches of events,
 * gzip, an HMAC-SHA256 key proof and body signature made afresh for every attempt, the server's signed answer
 * verified (bound to the request and fresh), and retries with backoff on 429, 5xx, 409 and network errors (events
 * are idempotent by id, so a retry never duplicates one).
 *
 * <p>Thread-safe: {@link #record} only puts the event in a bounded queue (it never blocks the caller); a background
 * thread sends every {@code flushInterval}, and {@link #flush} sends what is queued now.
 *
 * <pre>
 * try (LetheAgent agent = new LetheAgent(LetheAgent.Config.fromEnvironment())) {
 *   agent.record(LetheAgent.Event.of("server-request", 812, "slow").url("https://shop.example/api/orders").userId("customer-4711"));
 * }
 * </pre>
 */
public final class LetheAgent implements AutoCloseable {
  /** What the protocol allows a server agent's batch. */
  public static final int MAX_EVENTS_PER_BATCH = 500;

  public static final class Config {
    final String endpoint;
    final String keyId;
    final byte[] secret;
    final String applicationId;
    int queueCapacity = 10_000;
    Duration flushInterval = Duration.ofSeconds(2);
    int maxAttempts = 8;
    Duration maxBackoff = Duration.ofSeconds(30);

    public Config(String endpoint, String keyId, String secret, String applicationId) {
      this.endpoint = endpoint.replaceAll("/+$", "");
      this.keyId = keyId;
      this.secret = secret.getBytes(StandardCharsets.UTF_8);
      this.applicationId = applicationId;
    }

    /** LETHE_ENDPOINT, LETHE_KEY_ID, LETHE_SECRET, LETHE_APPLICATION_ID */
    public static Config fromEnvironment() {
      return new Config(
          env("LETHE_ENDPOINT"), env("LETHE_KEY_ID"), env("LETHE_SECRET"), env("LETHE_APPLICATION_ID"));
    }

    public Config queueCapacity(int n) { this.queueCapacity = n; return this; }
    public Config flushInterval(Duration d) { this.flushInterval = d; return this; }
    public Config maxAttempts(int n) { this.maxAttempts = n; return this; }
    public Config maxBackoff(Duration d) { this.maxBackoff = d; return this; }

    private static String env(String name) {
      String v = System.getenv(name);
      if (v == null || v.isEmpty()) throw new IllegalStateException(name + " is not set");
      return v;
    }
  }

  /** One interaction (docs/agent-protocol.md, "The batch"). */
  public static final class Event {
    final String id = UUID.randomUUID().toString();
    final String type;
    final long timestamp = System.currentTimeMillis();
    final long duration;
    final String outcome;
    String url, label, error, userId;
    final List<String> queries = new ArrayList<>();
    boolean doNotTrack;

    private Event(String type, long durationMs, String outcome) {
      this.type = type;
      this.duration = durationMs;
      this.outcome = outcome;
    }

    /** type: server-request, background-job, … ; outcome: ok, slow or failed */
    public static Event of(String type, long durationMs, String outcome) { return new Event(type, durationMs, outcome); }
    public Event url(String v) { this.url = v; return this; }
    public Event label(String v) { this.label = v; return this; }
    public Event error(String v) { this.error = v; return this; }
    public Event query(String sql) { this.queries.add(sql); return this; }
    public Event userId(String v) { this.userId = v; return this; }
    public Event doNotTrack() { this.doNotTrack = true; return this; }
    public String id() { return id; }

    /** The event as protocol JSON (the agent builds batches with it). */
    public void writeJson(StringBuilder b, String applicationId) {
      b.append("{\"id\":").append(quote(id)).append(",\"applicationId\":").append(quote(applicationId));
      b.append(",\"type\":").append(quote(type)).append(",\"timestamp\":").append(timestamp);
      b.append(",\"duration\":").append(duration).append(",\"outcome\":").append(quote(outcome));
      if (url != null) b.append(",\"url\":").append(quote(url));
      if (label != null) b.append(",\"label\":").append(quote(label));
      if (error != null) b.append(",\"error\":").append(quote(error));
      if (!queries.isEmpty()) {
        b.append(",\"queries\":[");
        for (int i = 0; i < queries.size(); i++) b.append(i == 0 ? "" : ",").append(quote(queries.get(i)));
        b.append(']');
      }
      if (userId != null) b.append(",\"userId\":").append(quote(userId));
      if (doNotTrack) b.append(",\"doNotTrack\":true");
      b.append('}');
    }
  }

  /** Lethe's answer to a stored batch, after its signature was verified. */
  public static final class Result {
    public final int accepted, expired, findings;

    Result(int accepted, int expired, int findings) {
      this.accepted = accepted;
      this.expired = expired;
      this.findings = findings;
    }

    @Override public String toString() {
      return "accepted=" + accepted + " expired=" + expired + " findings=" + findings;
    }
  }

  /** A batch Lethe refused (4xx: fix, do not retry as is), or an answer that does not verify. */
  public static final class LetheException extends IOException {
    public final int status;

    LetheException(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  /** One signed request, as sent (exposed so a test can replay it). */
  public static final class SignedRequest {
    public final byte[] body;
    public final String timestamp, keyProof, signature;

    SignedRequest(byte[] body, String timestamp, String keyProof, String signature) {
      this.body = body;
      this.timestamp = timestamp;
      this.keyProof = keyProof;
      this.signature = signature;
    }
  }

  private final Config config;
  private final HttpClient http;
  private final BlockingQueue<Event> queue;
  private final ScheduledExecutorService flusher;
  private final Object sending = new Object();
  private volatile Throwable lastError;

  public LetheAgent(Config config) {
    this.config = config;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity);
    this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lethe-agent-flusher");
      t.setDaemon(true);
      return t;
    });
    long every = config.flushInterval.toMillis();
    flusher.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  /** Queues an event; false when the queue is full (the event is dropped, the caller is never blocked). */
  public boolean record(Event e) { return queue.offer(e); }

  public int pending() { return queue.size(); }

  /** The last error of the background flusher, if any (the batch it concerned was kept and is retried). */
  public Throwable lastError() { return lastError; }

  /**
   * Sends everything queued now, batch by batch, retrying each as the protocol says. A batch that still fails is
   * put back at the head of the queue's order and the error is thrown.
   */
  public List<Result> flush() throws IOException, InterruptedException {
    List<Result> results = new ArrayList<>();
    synchronized (sending) {
      while (!queue.isEmpty()) {
        List<Event> batch = new ArrayList<>(MAX_EVENTS_PER_BATCH);
        queue.drainTo(batch, MAX_EVENTS_PER_BATCH);
        try {
          results.add(send(batch));
        } catch (LetheException e) {
          if (e.status >= 400 && e.status < 500) throw e; // refused: resending as is cannot help
          requeue(batch);
          throw e;
        } catch (IOException | InterruptedException | RuntimeException e) {
          requeue(batch);
          throw e;
        }
      }
    }
    return results;
  }

  private void requeue(List<Event> batch) {
    List<Event> rest = new ArrayList<>(batch);
    queue.drainTo(rest);
    for (Event e : rest) queue.offer(e); // what no longer fits is dropped, oldest kept
  }

  private void flushQuietly() {
    try {
      flush();
      lastError = null;
    } catch (Throwable t) {
      lastError = t;
    }
  }

  /** Sends one batch (at most 500 events), signed afresh for every attempt, and verifies the answer. */
  public Result send(List<Event> batch) throws IOException, InterruptedException {
    if (batch.isEmpty() || batch.size() > MAX_EVENTS_PER_BATCH)
      throw new IllegalArgumentException("a batch holds 1 to " + MAX_EVENTS_PER_BATCH + " events");
    byte[] body = gzip(batchJson(batch));
    IOException last = null;
    for (int attempt = 1; attempt <= config.maxAttempts; attempt++) {
      long waitMs;
      try {
        HttpResponse<byte[]> res = post(sign(body));
        int status = res.statusCode();
        if (status == 200) return verified(res);
        String message = new String(res.body(), StandardCharsets.UTF_8);
        // 409: this very signature was seen (an earlier attempt may have been stored): re-sign and resend
        if (status != 429 && status != 409 && status < 500) throw new LetheException(status, "refused " + status + ": " + message);
        last = new LetheException(status, "answered " + status + ": " + message);
        waitMs = res.headers().firstValue("retry-after").map(s -> Long.parseLong(s.trim()) * 1000).orElse(0L);
      } catch (LetheException e) {
        throw e;
      } catch (IOException e) {
        last = e;
        waitMs = 0;
      }
      if (attempt < config.maxAttempts) Thread.sleep(Math.max(waitMs, backoff(attempt)));
    }
    throw last;
  }

  /** At least a second (a signature is per second: a resend within it would be a replay), doubling, with jitter. */
  private long backoff(int attempt) {
    long base = Math.min(config.maxBackoff.toMillis(), 1000L << Math.min(attempt - 1, 16));
    return base + ThreadLocalRandom.current().nextLong(base / 2 + 1);
  }

  /** The four headers of docs/agent-protocol.md, "Signing", for this body now. */
  public SignedRequest sign(byte[] body) {
    long seconds = System.currentTimeMillis() / 1000;
    String ts = Long.toString(seconds);
    long minute = seconds / 60;
    String proof = "v2=" + minute + "." + hmacHex(bytes(minute + "." + config.keyId));
    String signature = "v1=" + hmacHex(bytes(ts + "."), body);
    return new SignedRequest(body, ts, proof, signature);
  }

  /** Posts a signed request as it is (no retry). */
  public HttpResponse<byte[]> post(SignedRequest r) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(URI.create(config.endpoint + "/v1/events"))
        .timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .header("x-lethe-key-id", config.keyId)
        .header("x-lethe-key-proof", r.keyProof)
        .header("x-lethe-timestamp", r.timestamp)
        .header("x-lethe-signature", r.signature)
        .POST(HttpRequest.BodyPublishers.ofByteArray(r.body))
        .build();
    HttpResponse<byte[]> res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    return new Answered(res, r.signature);
  }

  /** A 200 counts only when its signature covers this request's signature and the body, and it is fresh. */
  private Result verified(HttpResponse<byte[]> res) throws LetheException {
    String requestSignature = ((Answered) res).requestSignature;
    String ts = res.headers().firstValue("x-lethe-timestamp").orElse("");
    String sig = res.headers().firstValue("x-lethe-signature").orElse("");
    String expected = "v1=" + hmacHex(bytes(ts + "." + requestSignature + "."), res.body());
    if (!MessageDigest.isEqual(bytes(expected), bytes(sig)))
      throw new LetheException(0, "the answer's signature does not verify: not from Lethe, or altered on the way");
    long skew;
    try {
      skew = Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(ts));
    } catch (NumberFormatException e) {
      throw new LetheException(0, "the answer's timestamp is malformed");
    }
    if (skew > 300) throw new LetheException(0, "the answer is " + skew + " s old: a replayed answer");
    String json = new String(res.body(), StandardCharsets.UTF_8);
    return new Result(number(json, "accepted"), number(json, "expired"), number(json, "findings"));
  }

  @Override public void close() throws IOException, InterruptedException {
    flusher.shutdown();
    flusher.awaitTermination(1, TimeUnit.MINUTES);
    flush();
  }

  // --- helpers ---

  private String batchJson(List<Event> batch) {
    StringBuilder b = new StringBuilder(256 * batch.size()).append("{\"events\":[");
    for (int i = 0; i < batch.size(); i++) {
      if (i > 0) b.append(',');
      batch.get(i).writeJson(b, config.applicationId);
    }
    return b.append("]}").toString();
  }

  private String hmacHex(byte[]... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(config.secret, "HmacSHA256"));
      for (byte[] p : parts) mac.update(p);
      StringBuilder hex = new StringBuilder(64);
      for (byte x : mac.doFinal()) hex.append(String.format(Locale.ROOT, "%02x", x));
      return hex.toString();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

  private static byte[] gzip(String s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(bytes(s));
    }
    return out.toByteArray();
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  private static int number(String json, String field) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + field + "\"\\s*:\\s*(\\d+)").matcher(json);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  /** A response that remembers the request signature it answers (for the answer's verification). */
  private static final class Answered implements HttpResponse<byte[]> {
    private final HttpResponse<byte[]> res;
    final String requestSignature;

    Answered(HttpResponse<byte[]> res, String requestSignature) {
      this.res = res;
      this.requestSignature = requestSignature;
    }

    @Override public int statusCode() { return res.statusCode(); }
    @Override public HttpRequest request() { return res.request(); }
    @Override public java.util.Optional<HttpResponse<byte[]>> previousResponse() { return res.previousResponse(); }
    @Override public java.net.http.HttpHeaders headers() { return res.headers(); }
    @Override public byte[] body() { return res.body(); }
    @Override public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return res.sslSession(); }
    @Override public URI uri() { return res.uri(); }
    @Override public HttpClient.Version version() { return res.version(); }
  }

  /** Example: sends one event with the credentials of LETHE_ENDPOINT, LETHE_KEY_ID, LETHE_SECRET, LETHE_APPLICATION_ID. */
  public static void main(String[] args) throws Exception {
    try (LetheAgent agent = new LetheAgent(Config.fromEnvironment())) {
      agent.record(Event.of("server-request", 812, "slow")
          .url("https://shop.example.com/api/orders?page=2")
          .query("SELECT id, total FROM orders WHERE customer_id = 4711")
          .userId("customer-4711"));
      System.out.println(agent.flush());
    }
  }
}
