import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createApp } from './app.js';
import { parseLocalConfig } from './local-config.js';
import { createLocalDeps } from './local-deps.js';
import { createLocalDownloads } from './local-downloads.js';
import { clearWorkDir, purgeExpiredBuilds } from './local-housekeeping.js';
import { recoverUnfinishedBuilds } from './local-recovery.js';

/** `npm start`: the API, downloads and the site on this machine, with local adapters. */
const config = parseLocalConfig(process.env);
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
  console.log(`after restart: ${recovered.requeued.length} waiting builds queued again, ${recovered.failed.length} interrupted builds failed`);
}
const purge = () => purgeExpiredBuilds({ store: deps.store, dataDir: config.dataDir }).catch((error: unknown) => console.error('could not delete expired builds', error));
await purge();
setInterval(purge, HOUR).unref();

const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
  console.log(`layer builder listening on ${config.publicUrl} (port ${info.port}); index ${config.LAYER_INDEX_URL}; data in ${config.dataDir}`);
});

// Builds still running are failed at the next start (recoverUnfinishedBuilds); exiting runs
// the process-exit hook that ends their pip or docker process groups.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
