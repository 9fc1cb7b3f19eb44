import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../test/run-tsx.js';

/**
 * Builds site/dist the way `npm run build:site` does, for the same-origin API the local
 * server needs. Always built (under a second), so the test never runs a stale site.
 */
export async function buildSite(): Promise<void> {
  const vite = join(PROJECT_ROOT, 'node_modules/.bin/vite');
  const child = spawn(vite, ['build', '--config', 'site/vite.config.ts', '--logLevel', 'warn'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NODE_ENV: 'production', VITE_API_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`vite build of the site failed (exit ${code}):\n${output}`);
}
