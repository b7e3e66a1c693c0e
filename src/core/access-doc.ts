import { OPERATIONS, ROLES } from './access.ts';
import { DATA_MAP, isPersonal, readersOf } from './data-map.ts';

/** docs/access.md, generated from the matrix the API enforces (a test keeps the file in step). */
export function accessDoc(): string {
  const personal = DATA_MAP.filter((p) => isPersonal(p) && !p.localOnly);
  const places = personal.map(
    (p) =>
      `| \`${p.id}\` | ${ROLES.map((r) => (readersOf(p).includes(r) ? 'yes' : '—')).join(' | ')} | ${p.staffDirect ?? '—'} |`,
  );
  const header = `| operation | ${ROLES.join(' | ')} |\n|---|${ROLES.map(() => '---').join('|')}|`;
  const rows = Object.entries(OPERATIONS).map(
    ([op, roles]) =>
      `| \`${op}\` | ${ROLES.map((r) => ((roles as readonly string[]).includes(r) ? 'yes' : '—')).join(' | ')} |`,
  );
  return `# Who may do what

Management API tokens (JWT, HS256, issuer \`lethe\`, audience \`lethe-management\`) carry a **role** and an **account
scope** (\`accounts\`: a list of account ids, or \`*\` for every account). The token authorizer lets a valid token
into the API; each operation then checks the matrix below and the scope (\`src/core/access.ts\`). A request for
another account's data, or for an account that does not exist, gets the same 403: nothing tells the two apart.
Every operation — allowed or denied — writes an audit record (who, role, operation, account, hashed subject,
time, outcome) that no role can change or delete; only the audit TTL (365 days) removes it.

- **customer**: the customer's own staff, scoped to their own account.
- **support** (support and account managers): the accounts they are assigned to (token scope).
- **engineer**: troubleshooting; sees interactions with identities removed; cannot search users.
- **admin** (IT administrators): accounts, erasure, breach, termination and backup operations.

${header}
${rows.join('\n')}

## Who can read each place that holds personal data

From the personal-data inventory (\`src/core/data-map.ts\`, docs/data-map.md): the roles that reach a place through
the API's operations above, and who can read it outside the API.

| place | ${ROLES.join(' | ')} | outside the API |
|---|${ROLES.map(() => '---').join('|')}|---|
${places.join('\n')}

On AWS the staff IAM roles (\`lib/staff-access.ts\`, MFA required) can invoke the API and read logs/metrics, but
none can read the Users or Interactions tables directly or change the audit table.
`;
}
