import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Progress } from './progress.ts';

/** What every command gets: its parsed options, whether to answer in JSON, and the progress line. */
export interface Ctx {
  values: Record<string, string | string[] | boolean | undefined>;
  positionals: string[];
  json: boolean;
  progress: Progress;
}
export type Command = (ctx: Ctx) => Promise<void>;

/** A failure the operator can act on: its message is printed as it is; exit code 2 for usage, 1 otherwise. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function dataDir(): string {
  return path.resolve(process.env.LETHE_DATA_DIR ?? '.lethe');
}

export function need(values: Ctx['values'], name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new CliError(`--${name} is required`);
  return v;
}

export function int(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new CliError(`--${name} must be a whole number`);
  return n;
}

export function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

export function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 1);
  }
}
