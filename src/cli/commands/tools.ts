import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { FIELD_KINDS, type FieldKind, scrub } from '#core/scrub/engine.ts';
import { type Command, CliError, need, print } from '../context.ts';

export const toolCommands: Record<string, Command> = {
  async 'processing-record'({ values, json }) {
    const { processingRecord, toMarkdown } = await import('#core/processing-record.ts');
    const { factsFromModel } = await import('#local/facts.ts');
    const record = processingRecord(factsFromModel());
    const dir = path.resolve((values.out as string | undefined) ?? '.');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'processing-record.json'), `${JSON.stringify(record, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, 'processing-record.md'), toMarkdown(record));
    print(json, record, () => `wrote ${path.join(dir, 'processing-record.md')} and processing-record.json`);
  },

  async scrub({ values, json }) {
    const field = need(values, 'field') as FieldKind;
    if (!FIELD_KINDS.includes(field)) throw new CliError(`--field must be one of ${FIELD_KINDS.join(', ')}`);
    const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of rl) {
      const r = scrub(field, line);
      process.stdout.write(
        json
          ? `${JSON.stringify({ value: r.value ?? null, detectors: r.detectors, specialCategory: r.specialCategory })}\n`
          : `${r.value ?? '(dropped: special category)'}\n`,
      );
    }
  },
};
