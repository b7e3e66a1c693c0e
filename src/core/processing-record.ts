import { OPERATIONS } from './access.ts';
import { DEADLINE_HOURS } from './breach.ts';
import {
  BACKUP_RETENTION_DAYS,
  DEFAULT_RETENTION_DAYS,
  DEFAULT_TERMINATION_GRACE_DAYS,
  MAX_RETENTION_DAYS,
} from './retention.ts';
import { SPECIAL_CATEGORIES } from './scrub/special.ts';
import { DETECTORS } from './scrub/detectors.ts';
import { DATA_MAP, erasureText, isPersonal, longestLifetime, PERSONAL, retentionText } from './data-map.ts';

/** What the deployed configuration says (read from the synthesized templates by the caller). */
export interface ConfigFacts {
  region: string;
  services: string[];
  tables: Array<{ name: string; ttlAttribute?: string; kms: boolean; pitr: boolean }>;
  buckets: Array<{ name: string; expirationDays?: number; kms: boolean; tlsOnly: boolean; replicationDenied: boolean }>;
  functions: number;
  waf: boolean;
}

const SUBPROCESSOR_FOR: Record<string, string> = {
  'AWS::DynamoDB::Table': 'Amazon DynamoDB',
  'AWS::S3::Bucket': 'Amazon S3',
  'AWS::Lambda::Function': 'AWS Lambda',
  'AWS::ApiGateway::RestApi': 'Amazon API Gateway',
  'AWS::StepFunctions::StateMachine': 'AWS Step Functions',
  'AWS::KMS::Key': 'AWS KMS',
  'AWS::SecretsManager::Secret': 'AWS Secrets Manager',
  'AWS::SNS::Topic': 'Amazon SNS',
  'AWS::Logs::LogGroup': 'Amazon CloudWatch Logs',
  'AWS::WAFv2::WebACL': 'AWS WAF',
  'AWS::Events::Rule': 'Amazon EventBridge',
};

/** GDPR Art. 30(2): the record of processing activities of Lethe as a processor, from its own configuration. */
export function processingRecord(f: ConfigFacts) {
  const services = [
    ...new Set(f.services.map((s) => SUBPROCESSOR_FOR[s]).filter(Boolean)),
    'Amazon SES (e-mail notifications)',
    'AWS X-Ray (traces, no payloads)',
  ].sort();
  return {
    processor: 'Lethe (operator of the performance monitoring service)',
    role: 'processor (Art. 28) on behalf of each customer account (the controller)',
    purposes: [
      'real-user and application performance monitoring for the customer',
      "troubleshooting of the customer's applications",
      "exercising data-subject rights on the customer's instruction (access, erasure, restriction, portability)",
      'security and breach notification',
    ],
    categoriesOfDataSubjects: ["end users of the customers' applications", 'customer staff named as account contacts'],
    categoriesOfPersonalData: [
      'user identifier chosen by the customer (optional; stored as given or pseudonymised with a per-account key)',
      'interaction data: event type, timestamps, durations, outcomes, scrubbed URLs, UI labels, error messages and SQL shapes',
      'browser family and version (never the user-agent string; never the IP address)',
      'account contacts: creator and administrative e-mail addresses',
    ],
    notProcessed: [
      'IP addresses',
      'user-agent strings',
      `special categories (Art. 9, 10): ${Object.keys(SPECIAL_CATEGORIES).join(', ')} — refused at ingest`,
    ],
    accidentalDataRemoved: [...DETECTORS.map((d) => d.name), 'uuid', 'long-number', 'personal query parameters'],
    location: {
      region: f.region,
      transfersOutsideEEA: 'none: every resource is in ' + f.region + '; replication out of the region is denied',
    },
    retention: {
      interactionsDays: `${DEFAULT_RETENTION_DAYS} by default, configurable per account from 1 to ${MAX_RETENTION_DAYS}; enforced by TTL, filtered on every read, audited hourly`,
      backupsDays: BACKUP_RETENTION_DAYS,
      afterContractEndDays: `${DEFAULT_TERMINATION_GRACE_DAYS} by default (at most ${MAX_RETENTION_DAYS})`,
      longestLifetime: longestLifetime(),
      tables: f.tables.map((t) => ({ table: t.name, ttl: t.ttlAttribute ?? 'none' })),
      // every place that holds personal data, from the inventory (docs/data-map.md)
      places: DATA_MAP.filter((p) => isPersonal(p) && !p.localOnly).map((p) => ({
        place: p.id,
        holds: p.holds.filter((c) => PERSONAL.includes(c)),
        retention: retentionText(p.retention),
        erasure: erasureText(p.erasure),
      })),
    },
    subProcessors: services.map((s) => ({ name: `Amazon Web Services EMEA SARL — ${s}`, location: f.region })),
    securityMeasures: [
      `encryption at rest with a customer-managed KMS key: ${f.tables.filter((t) => t.kms).length}/${f.tables.length} tables, ${f.buckets.filter((b) => b.kms).length}/${f.buckets.length} buckets (the access-log bucket uses SSE-S3, as S3 requires)`,
      `TLS only: ${f.buckets.filter((b) => b.tlsOnly).length}/${f.buckets.length} bucket policies deny plain HTTP; API Gateway serves HTTPS only`,
      `point-in-time recovery on ${f.tables.filter((t) => t.pitr).length}/${f.tables.length} tables`,
      'agent authentication by HMAC-signed requests with replay protection; signed responses',
      `role-based access (${Object.keys(OPERATIONS).length} operations × roles customer, support, engineer, admin); MFA for staff IAM roles; audit record of every personal-data read`,
      'accidental personal data scrubbed before storage; findings reported to the customer',
      ...(f.waf ? ['AWS WAF rate limiting in front of the API'] : []),
      `breach notification to every affected account within ${DEADLINE_HOURS} hours, with escalation`,
    ],
  };
}

export function toMarkdown(r: ReturnType<typeof processingRecord>): string {
  const list = (xs: string[]) => xs.map((x) => `- ${x}`).join('\n');
  return [
    '# Record of processing activities (GDPR Art. 30(2))',
    '',
    `Processor: ${r.processor}  `,
    `Role: ${r.role}`,
    '',
    '## Purposes',
    list(r.purposes),
    '',
    '## Categories of data subjects',
    list(r.categoriesOfDataSubjects),
    '',
    '## Categories of personal data',
    list(r.categoriesOfPersonalData),
    '',
    '## Not processed',
    list(r.notProcessed),
    '',
    '## Location and transfers',
    `- region: ${r.location.region}`,
    `- ${r.location.transfersOutsideEEA}`,
    '',
    '## Retention',
    `- interactions: ${r.retention.interactionsDays}`,
    `- backups: ${r.retention.backupsDays} days`,
    `- after contract end: ${r.retention.afterContractEndDays}`,
    `- longest lifetime: ${r.retention.longestLifetime}`,
    ...r.retention.tables.map((t) => `- table ${t.table}: TTL on \`${t.ttl}\``),
    '',
    '## Where personal data is kept (docs/data-map.md)',
    ...r.retention.places.map((p) => `- \`${p.place}\` (${p.holds.join(', ')}): ${p.retention}; ${p.erasure}`),
    '',
    '## Sub-processors',
    list(r.subProcessors.map((s) => `${s.name} (${s.location})`)),
    '',
    '## Security measures (Art. 32)',
    list(r.securityMeasures),
    '',
  ].join('\n');
}
