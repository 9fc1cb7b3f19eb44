import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { existsSync } from 'node:fs';
import { Hono } from 'hono';
import { createApp } from './app.js';
import { parseLocalConfig } from './local-config.js';
import { createLocalDeps } from './local-deps.js';
import { createLocalDownloads } from './local-downloads.js';
import { recoverUnfinishedBuilds } from './local-recovery.js';

/** `npm start`: the API, downloads and the site on this machine, with local adapters. */
const config = parseLocalConfig(process.env);
const deps = createLocalDeps(config);
const siteDir = 'site/dist';

const server = new Hono()
  .route('/', createLocalDownloads(deps.artifacts))
  .route('/', createApp(deps));
if (existsSync(siteDir)) server.use('/*', serveStatic({ root: siteDir }));

const recovered = await recoverUnfinishedBuilds(deps);
if (recovered.requeued.length || recovered.failed.length) {
  console.log(`after restart: ${recovered.requeued.length} waiting builds queued again, ${recovered.failed.length} interrupted builds failed`);
}

serve({ fetch: server.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
  console.log(`layer builder listening on ${config.publicUrl} (port ${info.port}); index ${config.LAYER_INDEX_URL}; data in ${config.dataDir}`);
});
