import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDataDir } from './data-dir-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('data dir lock', () => {
  it('refuses a second service while the first one lives, naming its pid', async () => {
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'server.pid'), String(other.pid));
      expect(() => lockDataDir(dir)).toThrow(`another local build service (pid ${other.pid}) is using ${dir}`);
    } finally {
      other.kill();
    }
  });

  it('takes over a pid file left by a process that is gone, and removes it on release', async () => {
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(join(dir, 'server.pid'), String(gone.pid));
    const release = lockDataDir(dir);
    expect(existsSync(join(dir, 'server.pid'))).toBe(true);
    release();
    expect(existsSync(join(dir, 'server.pid'))).toBe(false);
  });
});
