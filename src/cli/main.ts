import { parseArgs } from 'node:util';
import { accountCommands } from './commands/accounts.ts';
import { agentCommands } from './commands/agent.ts';
import { backupCommands } from './commands/backup.ts';
import { breachCommands } from './commands/breach.ts';
import { erasureCommands } from './commands/erasure.ts';
import { toolCommands } from './commands/tools.ts';
import { userCommands } from './commands/users.ts';
import { type Command, CliError } from './context.ts';
import { progress } from './progress.ts';

/**
 * `lethe`: the operators' command. Talks to the local runtime by default (endpoints.json in the data folder)
 * or to LETHE_ENDPOINT with LETHE_TOKEN. Every command accepts --json; long ones show a progress line on
 * standard error (--quiet hides it).
 */
const USAGE = `lethe <command> [options] [--json] [--quiet]

  accounts create --name N --creator-email E --admin-email E [--retention-days D] [--origin URL ...]
  accounts show --account A
  accounts update --account A [--retention-days D] [--pseudonymise on|off] [--admin-email E] [--notice-contacts E,E]
  accounts terminate --account A [--grace-days N]        (ingest stops now; data deleted after N days, default 30)
  accounts resume --account A                          (administrators: lift an ingest suspension for special categories)
  users invite --account A --email E [--role customer|account-admin]   (the console: Cognito mails a temporary password)
  staff invite --email E --role support|engineer|admin (administrators; TOTP MFA at the first sign-in)
  keys rotate --account A --application P
  agent send --file events.jsonl [--key-id K --secret S | LETHE_KEY_ID/LETHE_SECRET] [--gzip]
  users search --account A --query Q
  users export --account A --user U [--all]            (CSV on stdout: failed and slow interactions, --all: every one)
  users restrict --account A --user U [--lift]
  findings --account A
  rescrub --account A [--from ISO] [--to ISO] [--wait]  (scrub stored interactions again with the current rules)
  rescrub status --account A --id R | rescrub cancel --account A --id R
  audit --account A
  processing-record [--out DIR]                        (GDPR Art. 30 record, Markdown + JSON)
  erase --account A --user U [--wait]                  (prints the receipt with --wait)
  erase --account A --file users.txt [--wait]          (a batch: one identifier per line, a receipt each)
  erasures status --request R
  erasures cancel --request R                          (stops a running erasure; what was stripped stays stripped)
  breach report --discovered-at ISO --accounts ID,ID|all --description TEXT [--categories a,b] [--subjects N] [--records N]
  breach status BREACH_ID
  backup export | backup list | backup restore --export ID   (administrators)
  scrub --field url|label|error|query|service-url      (one value per line on stdin)

Environment: LETHE_ENDPOINT (API base URL), LETHE_TOKEN (management token), LETHE_DATA_DIR (local data, default .lethe),
LETHE_PROGRESS=always (progress lines even when standard error is not a terminal)`;

const COMMANDS: Record<string, Command> = {
  ...accountCommands,
  ...agentCommands,
  ...userCommands,
  ...erasureCommands,
  ...breachCommands,
  ...backupCommands,
  ...toolCommands,
};

const text = { type: 'string' } as const;
const OPTIONS = {
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  help: { type: 'boolean', short: 'h' },
  origin: { type: 'string', multiple: true },
  gzip: { type: 'boolean' },
  lift: { type: 'boolean' },
  wait: { type: 'boolean' },
  all: { type: 'boolean' },
  ...Object.fromEntries(
    [
      'name',
      'creator-email',
      'admin-email',
      'notice-contacts',
      'retention-days',
      'account',
      'application',
      'pseudonymise',
      'file',
      'key-id',
      'secret',
      'field',
      'out',
      'discovered-at',
      'accounts',
      'description',
      'categories',
      'subjects',
      'records',
      'export',
      'grace-days',
      'user',
      'query',
      'request',
      'from',
      'to',
      'id',
      'email',
      'role',
    ].map((n) => [n, text]),
  ),
} as const;

async function main(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const name = positionals[0] === 'breach' && positionals[1] === 'status' ? 'breach status' : positionals.join(' ');
  if (values.help || name === '' || name === 'help') return void process.stdout.write(`${USAGE}\n`);
  const command = COMMANDS[name];
  if (!command) throw new CliError(`unknown command "${name}"\n\n${USAGE}`);
  await command({ values, positionals, json: !!values.json, progress: progress({ quiet: !!values.quiet }) });
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`lethe: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof CliError ? e.exitCode : 1);
});
