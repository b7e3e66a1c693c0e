import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java agent against a running local Lethe (test/integration/java-agent.test.ts starts it and checks the store).
 * Run with the JDK's single-file launcher, LetheAgent compiled on the class path:
 *
 * <pre>
 * javac -d out clients/java/LetheAgent.java
 * java -cp out clients/java/LetheAgentTest.java ENDPOINT KEY_ID SECRET APPLICATION_ID FLAKY_ENDPOINT TAMPERING_ENDPOINT
 * </pre>
 *
 * Prints one line per check, and the ids it sent (for the caller to find in the store); exits non-zero on failure.
 */
public class LetheAgentTest {
  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
    System.out.println("ok - " + what);
  }

  public static void main(String[] a) throws Exception {
    String endpoint = a[0], keyId = a[1], secret = a[2], app = a[3], flaky = a[4], tampering = a[5];
    LetheAgent.Config config = new LetheAgent.Config(endpoint, keyId, secret, app).flushInterval(Duration.ofMinutes(10));
    List<String> ids = new ArrayList<>();

    // 1. recorded from 4 threads at once, flushed: every event stored, in batches of at most 500
    try (LetheAgent agent = new LetheAgent(config)) {
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        final int n = t;
        threads.add(new Thread(() -> {
          for (int i = 0; i < 150; i++) {
            LetheAgent.Event e = LetheAgent.Event.of("server-request", 100 + i, i % 10 == 0 ? "failed" : "ok")
                .url("https://shop.example.com/api/orders/" + i)
                .query("SELECT * FROM orders WHERE id = " + i)
                .userId("java-user-" + n);
            synchronized (ids) { ids.add(e.id()); }
            if (!agent.record(e)) throw new AssertionError("queue full");
          }
        }));
      }
      for (Thread t : threads) t.start();
      for (Thread t : threads) t.join();
      List<LetheAgent.Result> results = agent.flush();
      int accepted = results.stream().mapToInt(r -> r.accepted).sum();
      check(accepted == 600 && results.size() == 2, "600 events from 4 threads stored in 2 signed batches, answers verified");
      check(agent.pending() == 0, "nothing left queued");
    }

    // 2. a replayed request is refused (409)
    try (LetheAgent agent = new LetheAgent(config)) {
      LetheAgent.Event e = LetheAgent.Event.of("background-job", 5, "ok").label("nightly-report");
      ids.add(e.id());
      byte[] body = gzipBatch(e, app);
      LetheAgent.SignedRequest signed = agent.sign(body);
      HttpResponse<byte[]> first = agent.post(signed);
      HttpResponse<byte[]> again = agent.post(signed);
      check(first.statusCode() == 200, "a signed request is stored (200)");
      check(again.statusCode() == 409, "the same signed request replayed is refused (409), got " + again.statusCode());
    }

    // 3. 503s are retried (re-signed, with backoff) until stored
    try (LetheAgent agent = new LetheAgent(new LetheAgent.Config(flaky, keyId, secret, app).flushInterval(Duration.ofMinutes(10)))) {
      LetheAgent.Event e = LetheAgent.Event.of("server-request", 42, "ok").url("https://shop.example.com/retry");
      ids.add(e.id());
      agent.record(e);
      List<LetheAgent.Result> r = agent.flush();
      check(r.size() == 1 && r.get(0).accepted == 1, "retried through two 503 answers until stored");
    }

    // 4. a tampered answer is detected: the agent does not count the batch as stored and keeps it
    try (LetheAgent agent = new LetheAgent(new LetheAgent.Config(tampering, keyId, secret, app).flushInterval(Duration.ofMinutes(10)))) {
      LetheAgent.Event e = LetheAgent.Event.of("server-request", 7, "ok").url("https://shop.example.com/tamper");
      ids.add(e.id());
      agent.record(e);
      String error = "";
      try {
        agent.flush();
      } catch (LetheAgent.LetheException x) {
        error = x.getMessage();
      }
      check(error.contains("does not verify"), "an altered answer is detected: " + error);
      check(agent.pending() == 1, "and the batch is kept for a later attempt");
    } catch (LetheAgent.LetheException expected) {
      // close() flushes once more, through the same tampering proxy
    }

    System.out.println("ids " + String.join(",", ids));
  }

  static byte[] gzipBatch(LetheAgent.Event e, String app) throws java.io.IOException {
    StringBuilder b = new StringBuilder("{\"events\":[");
    e.writeJson(b, app);
    b.append("]}");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(out)) {
      z.write(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
