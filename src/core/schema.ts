/** Names shared by the tables' definition (CDK) and the code that reads and writes them. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** Interactions GSI: userKey (account#keyed hash of the identifier) → sk. */
export const USER_INDEX = 'byUser';
/** Users GSI: pk (account) → label (the displayed identifier) for prefix search. */
export const USER_LABEL_INDEX = 'byLabel';
/** Users GSI: pk (account#shard) → expiresAt, keys only (+ lastSeen, erasing): the retention auditor's O(expired). */
export const USER_EXPIRY_INDEX = 'byExpiry';

/** Environment variable names the stacks set and the handlers read. */
export const ENV = {
  interactionsTable: 'INTERACTIONS_TABLE',
  usersTable: 'USERS_TABLE',
  accountsTable: 'ACCOUNTS_TABLE',
  customersPool: 'CUSTOMERS_POOL_ID',
  customersClient: 'CUSTOMERS_CLIENT_ID',
  staffPool: 'STAFF_POOL_ID',
  staffClient: 'STAFF_CLIENT_ID',
  auditTable: 'AUDIT_TABLE',
  backupBucket: 'BACKUP_BUCKET',
  keyId: 'DATA_KEY_ID',
  erasureStateMachine: 'ERASURE_STATE_MACHINE_ARN',
  restoreStateMachine: 'RESTORE_STATE_MACHINE_ARN',
  rescrubStateMachine: 'RESCRUB_STATE_MACHINE_ARN',
  notificationQueue: 'NOTIFICATION_QUEUE_URL',
  consoleUrl: 'CONSOLE_URL',
  mailFrom: 'MAIL_FROM',
} as const;

/** The environment variable that names each table, by its construct name (the data map's resources). */
export const TABLE_ENV: Record<string, string> = {
  Interactions: ENV.interactionsTable,
  Users: ENV.usersTable,
  Accounts: ENV.accountsTable,
  Audit: ENV.auditTable,
};
