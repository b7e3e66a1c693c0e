import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** Starts `npm start`'s runtime in a child process (its own CPU) on free ports, in a fresh data folder. */
export async function spawnRuntime(
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-bench-')),
): Promise<{ proc: ChildProcess; dataDir: string; endpoints: any; token: string; stop: () => Promise<void> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/local/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LETHE_DATA_DIR: dataDir,
      PORT: '0',
      LETHE_DYNAMODB_PORT: '0',
      LETHE_S3_PORT: '0',
      LETHE_DEMO_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout!.on('data', (d) => {
    log += d;
  });
  proc.stderr!.on('data', (d) => {
    log += d;
  });
  const file = path.join(dataDir, 'endpoints.json');
  for (let i = 0; i < 600 && !log.includes('Ctrl-C stops'); i++) {
    if (proc.exitCode !== null) throw new Error(`runtime exited: ${log}`);
    await sleep(50);
  }
  const endpoints = JSON.parse(fs.readFileSync(file, 'utf8'));
  const token = fs.readFileSync(path.join(dataDir, 'auth', 'admin.token'), 'utf8');
  return {
    proc,
    dataDir,
    endpoints,
    token,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function pool<T>(items: T[], concurrency: number, f: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await f(items[next++]!);
    }),
  );
}
