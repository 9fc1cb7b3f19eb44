import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createApp } from './app.js';
import { lockDataDir } from './data-dir-lock.js';
import { parseLocalConfig, type LocalConfig } from './local-config.js';
import { createLocalDeps } from './local-deps.js';
import { createLocalDownloads } from './local-downloads.js';
import { clearWorkDir, purgeExpiredBuilds } from './local-housekeeping.js';
import { recoverUnfinishedBuilds } from './local-recovery.js';

/** `npm start`: the API, downloads and the site on this machine, with local adapters. */
function stop(message: string, code: number): never {
  console.error(`layer builder: ${message}`);
  process.exit(code);
}

let config: LocalConfig;
let release: () => void;
try {
  config = parseLocalConfig(process.env);
  release = lockDataDir(config.dataDir);
} catch (error) {
  stop((error as Error).message, 2);
}
process.once('exit', () => release());

const deps = createLocalDeps(config);
const siteDir = join(import.meta.dirname, '..', 'site', 'dist');
const HOUR = 3600_000;

// The API's routes first, so neither downloads nor the site can shadow them; its 404 is JSON.
const app = createApp(deps);
app.route('/', createLocalDownloads(deps.artifacts));
if (existsSync(siteDir)) app.use('/*', serveStatic({ root: relative(process.cwd(), siteDir) }));

await clearWorkDir(config.dataDir);
const recovered = await recoverUnfinishedBuilds(deps);
if (recovered.requeued.length || recovered.failed.length) {
  console.log(`after the restart: queued again ${recovered.requeued.length}, failed as interrupted ${recovered.failed.length}`);
}
const purge = () => purgeExpiredBuilds({ store: deps.store, dataDir: config.dataDir }).catch((error: unknown) => console.error('could not delete expired builds', error));
await purge();
setInterval(purge, HOUR).unref();

const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
  console.log(`layer builder listening on ${config.publicUrl} (port ${info.port}); index ${config.LAYER_INDEX_URL}; data in ${config.dataDir}`);
});
server.once('error', (error: NodeJS.ErrnoException) =>
  stop(error.code === 'EADDRINUSE' ? `port ${config.PORT} on ${config.HOST} is in use; set PORT to a free one` : error.message, 1),
);

// Builds still running are failed at the next start (recoverUnfinishedBuilds); exiting runs
// the process-exit hook that ends their pip or docker process groups.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
