/** Limits of the agent protocol, in one place (documented in docs/agent-protocol.md). */
export const LIMITS = {
  /** Maximum size of a request body as sent (after gzip, if any). */
  maxBodyBytes: 1_000_000,
  /** Maximum size of a decompressed body: a gzip bomb stops here. */
  maxInflatedBytes: 5_000_000,
  maxEventsPerBatch: 500,
  browserMaxEventsPerBatch: 100,
  /** Browser batches: at most this many bytes, as sent and after decompression. */
  browserMaxBodyBytes: 256_000,
  /** Allowed clock skew for signed requests, seconds. */
  signatureWindowSeconds: 300,
  maxStringLength: 8_192,
  maxQueriesPerEvent: 50,
  maxServiceCallsPerEvent: 100,
  accountRatePerSecond: 500,
  accountBurst: 1_000,
} as const;
