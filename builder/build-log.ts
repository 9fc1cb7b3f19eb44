import type { LogStore } from '../core/ports.js';
import type { Architecture } from '../core/runtime-catalog.js';

/**
 * A build's log kept in memory and written to the LogStore every few seconds and at the
 * end, so readers see it while the build runs. Bounded: past the cap, the middle is cut.
 */
export interface BuildLog {
  line(text: string): void;
  /** Writes what is buffered now. */
  flush(): Promise<void>;
  /** Final flush; stops the timer. */
  close(): Promise<void>;
}

const MAX_LOG_CHARS = 512 * 1024;

export function createBuildLog(args: {
  logs: LogStore;
  buildId: string;
  arch: Architecture;
  flushEveryMs?: number;
  now?: () => Date;
  echo?: (line: string) => void;
}): BuildLog {
  const now = args.now ?? (() => new Date());
  let text = '';
  let dirty = false;
  let writing: Promise<void> = Promise.resolve();

  const flush = () => {
    if (!dirty) return writing;
    dirty = false;
    const snapshot = text;
    writing = writing.then(() => args.logs.write(args.buildId, args.arch, snapshot)).catch(() => {
      dirty = true; // try again at the next flush; a log write never fails the build
    });
    return writing;
  };
  const timer = setInterval(() => void flush(), args.flushEveryMs ?? 3000);
  timer.unref();

  return {
    line(message) {
      const stamped = `${now().toISOString().slice(11, 19)} ${message}\n`;
      args.echo?.(message);
      text += stamped;
      if (text.length > MAX_LOG_CHARS) {
        text = `${text.slice(0, MAX_LOG_CHARS / 4)}\n[... log cut ...]\n${text.slice(-MAX_LOG_CHARS / 2)}`;
      }
      dirty = true;
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
