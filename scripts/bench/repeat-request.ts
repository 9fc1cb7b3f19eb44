import { readFile } from 'node:fs/promises';
import { startLocalServer } from '../../test/local-server.js';
import { apiClient } from '../cli/api-client.js';
import type { BenchContext } from './context.js';
import { mark, median } from './measure.js';

const REPEATS = 20;

/** (c) the same request twice through the local service: a fresh build, then the finished one. */
export async function repeatRequestSection(context: BenchContext): Promise<string[]> {
  context.log('(c) repeated identical request through the local service');
  const server = await startLocalServer({ LAYER_INDEX_URL: context.indexUrl, LAYER_DATA_DIR: await context.freshDir('server-data') });
  let fresh = 0;
  const repeated: number[] = [];
  try {
    const client = apiClient(server.url);
    const body = { requirements: await readFile(context.requirements, 'utf8'), python_version: context.python, architectures: ['x86_64' as const] };
    const started = performance.now();
    const submitted = (await (await client.builds.$post({ json: body })).json()) as { build_id: string };
    for (;;) {
      const view = await (await client.builds[':id'].$get({ param: { id: submitted.build_id } })).json();
      if (view.status === 'COMPLETED') break;
      if (view.status === 'FAILED') throw new Error(`benchmark build failed: ${view.error_message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    fresh = (performance.now() - started) / 1000;
    for (let i = 0; i < REPEATS; i++) {
      const t = performance.now();
      const again = await client.builds.$post({ json: body });
      if (again.status !== 200) throw new Error(`the repeat was not served from the finished build (${again.status})`);
      await again.json();
      repeated.push((performance.now() - t) / 1000);
    }
  } finally {
    await server.stop();
  }
  const cached = median(repeated);
  const ratio = fresh / cached;
  return [
    '## (c) Repeated identical request',
    '',
    `Through the local service (\`npm start\`, HTTP on 127.0.0.1): the first request built in ${fresh.toFixed(2)} s (submit to COMPLETED); the same request again was answered from the finished build in a median of ${(cached * 1000).toFixed(1)} ms over ${REPEATS} requests.`,
    '',
    `Ratio fresh / repeated: **${ratio.toFixed(0)}x** (target at least 100x: ${mark(ratio >= 100)}).`,
    '',
  ];
}
