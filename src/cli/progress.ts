/**
 * The progress line of long commands, on standard error so that standard output (and --json) stays clean.
 * Shown when standard error is a terminal (one line, rewritten in place); `--quiet` hides it;
 * LETHE_PROGRESS=always shows it in a pipe or a log too (one line per update).
 */
export interface Progress {
  update(text: string): void;
  done(): void;
}

export function progress(options: { quiet: boolean; stream?: NodeJS.WriteStream; env?: NodeJS.ProcessEnv }): Progress {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const tty = !!stream.isTTY;
  const shown = !options.quiet && (tty || env.LETHE_PROGRESS === 'always');
  let last = '';
  return {
    update(text) {
      if (!shown || text === last) return;
      last = text;
      stream.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
    },
    done() {
      if (shown && tty && last) stream.write('\r\x1b[2K');
      last = '';
    },
  };
}

/** "12 s", "3 min 4 s" */
export function elapsed(sinceMs: number, nowMs = Date.now()): string {
  const s = Math.round((nowMs - sinceMs) / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
