import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../scripts/cli/api-client.js';
import { startIndexServer, type IndexServer } from '../test/index-server.js';
import { extractZip, importFromLayer, listZip } from '../test/layer-zip.js';
import { startLocalServer, type LocalServer } from '../test/local-server.js';
import { writeWheel } from '../test/wheel-factory.js';

let wheels: string;
let data: string;
let index: IndexServer;
let server: LocalServer;

beforeAll(async () => {
  wheels = await mkdtemp(join(tmpdir(), 'e2e-wheels-'));
  data = await mkdtemp(join(tmpdir(), 'e2e-data-'));
  await writeWheel(wheels, { name: 'greeting', version: '2.0', requires: ['helper>=1'] });
  await writeWheel(wheels, { name: 'helper', version: '1.1' });
  index = await startIndexServer(wheels);
  server = await startLocalServer({ LAYER_INDEX_URL: index.url, LAYER_DATA_DIR: data });
});

afterAll(async () => {
  await server?.stop();
  await index?.close();
  await rm(wheels, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
});

async function waitForFinal(client: ReturnType<typeof apiClient>, id: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await client.builds[':id'].$get({ param: { id } });
    const view = await response.json();
    if (view.status === 'COMPLETED' || view.status === 'FAILED') return view;
    if (Date.now() > deadline) throw new Error(`build ${id} still ${view.status}\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the local server over HTTP, driven by the typed client', () => {
  it('builds, serves the log, and downloads a zip that imports', async () => {
    const client = apiClient(server.url);
    const submitted = await client.builds.$post({
      json: { requirements: 'greeting\n', python_version: '3.12', architectures: ['x86_64'], single_file: true },
    });
    expect(submitted.status).toBe(202);
    const { build_id: id } = (await submitted.json()) as { build_id: string };

    const view = await waitForFinal(client, id);
    expect(view.status).toBe('COMPLETED');
    expect(view.files).toHaveLength(1);
    const file = view.files[0]!;
    expect(file).toMatchObject({ filename: 'combined-python3.12-x86_64.zip', architecture: 'x86_64' });
    expect(view.report.x86_64?.packages.map((p) => p.name)).toEqual(['greeting', 'helper']);

    const logs = await (await client.builds[':id'].logs.$get({ param: { id } })).json();
    expect(logs.logs.x86_64).toContain('Successfully installed');

    const download = await fetch(file.download_url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('combined-python3.12-x86_64.zip');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(file.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);

    const zipPath = join(data, 'downloaded.zip');
    await writeFile(zipPath, bytes);
    expect(listZip(zipPath).every((entry) => entry.name.startsWith('python/'))).toBe(true);
    const site = join(extractZip(zipPath), 'python/lib/python3.12/site-packages');
    expect(importFromLayer(site, 'import greeting, helper; print(greeting.__version__, helper.__version__)').trim()).toBe('2.0 1.1');

    const tampered = new URL(file.download_url);
    tampered.searchParams.set('filename', 'other.zip');
    expect((await fetch(tampered)).status).toBe(403);
    const malformed = await fetch(`${server.url}/downloads/builds/%ZZ/x.zip?filename=x&expires=1&signature=a`);
    expect(malformed.status).toBe(403);
    expect(await malformed.json()).toMatchObject({ error: expect.stringContaining('not valid') });
  });

  it('answers unknown routes with the API\'s JSON 404', async () => {
    const response = await fetch(`${server.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'no route for GET /nope' });
  });

  it('answers an identical request at once from the finished build', async () => {
    const client = apiClient(server.url);
    const body = { requirements: 'helper\n', python_version: '3.13' as const, architectures: ['x86_64' as const] };
    const first = (await (await client.builds.$post({ json: body })).json()) as { build_id: string };
    await waitForFinal(client, first.build_id);
    const again = await client.builds.$post({ json: { ...body, requirements: '# same thing\nhelper\n' } });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ build_id: first.build_id, cached: true, status: 'COMPLETED' });
  });

  it('refuses a bad line with its number, and reports a failed build with the reason', async () => {
    const client = apiClient(server.url);
    const bad = await client.builds.$post({ json: { requirements: 'helper\n--extra-index-url http://evil.example\n', python_version: '3.12' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ details: [{ line: 2 }] });

    const missing = await client.builds.$post({ json: { requirements: 'helper==9.9\n', python_version: '3.12' } });
    const { build_id: id } = (await missing.json()) as { build_id: string };
    const view = await waitForFinal(client, id);
    expect(view.status).toBe('FAILED');
    expect(view.error_message).toContain('helper');
    expect(view.progress.x86_64?.status).toBe('FAILED');
  });
});
