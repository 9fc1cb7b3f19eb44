import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIndexServer, type IndexServer } from '../test/index-server.js';
import { writeSdist, writeWheel } from '../test/wheel-factory.js';
import { IndexUnavailableError, listDistributions, parseProjectPage } from './index-client.js';

let root: string;
let wheels: string;
let server: IndexServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'index-client-'));
  wheels = join(root, 'wheels');
  await mkdir(wheels);
  await writeWheel(wheels, { name: 'Some_Pkg', version: '1.0', python: 'cp311', abi: 'cp311', platforms: ['manylinux_2_17_x86_64', 'manylinux2014_x86_64'] });
  await writeWheel(wheels, { name: 'Some_Pkg', version: '2.0', requiresPython: '>=3.12' });
  await writeSdist(wheels, { name: 'some-pkg', version: '2.0' });
  await writeWheel(wheels, { name: 'other', version: '1.0' });
  server = await startIndexServer(wheels);
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

describe('listDistributions over http', () => {
  it('lists every wheel and sdist of a project with tags, sha256 and Requires-Python', async () => {
    const files = await listDistributions(server.url, 'some-pkg');
    expect(files?.map((file) => file.filename).sort()).toEqual([
      'some_pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      'some_pkg-2.0-py3-none-any.whl',
      'some_pkg-2.0.tar.gz',
    ]);
    const v1 = files?.find((file) => file.version === '1.0');
    expect(v1?.tags?.map((tag) => tag.platform)).toEqual(['manylinux_2_17_x86_64', 'manylinux2014_x86_64']);
    const pure = files?.find((file) => file.filename === 'some_pkg-2.0-py3-none-any.whl');
    expect(pure?.requiresPython).toBe('>=3.12');
    expect(files?.find((file) => file.kind === 'sdist')?.version).toBe('2.0');

    const data = await readFile(join(wheels, 'some_pkg-2.0-py3-none-any.whl'));
    expect(pure?.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    const download = await fetch(pure!.url);
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
  });

  it('finds a project by any spelling of its name', async () => {
    expect((await listDistributions(server.url, 'Some.PKG'))?.length).toBe(3);
    expect(server.requests).toContain('/simple/some-pkg/');
  });

  it('answers undefined for a project the index does not know', async () => {
    expect(await listDistributions(`${server.url}/`, 'no-such-project')).toBeUndefined();
  });

  it('throws IndexUnavailableError when nothing listens on the index port', async () => {
    const port = await closedPort();
    await expect(listDistributions(`http://127.0.0.1:${port}/simple`, 'pkg', { timeoutMs: 2000 })).rejects.toBeInstanceOf(IndexUnavailableError);
  });
});

describe('listDistributions over file://', () => {
  it('reads <dir>/<project>/index.html with hrefs relative to it', async () => {
    const index = join(root, 'file-index');
    await mkdir(join(index, 'some-pkg'), { recursive: true });
    await writeFile(
      join(index, 'some-pkg', 'index.html'),
      '<html><body><a href="../../wheels/some_pkg-2.0-py3-none-any.whl#sha256=' + 'ab'.repeat(32) + '" data-requires-python="&gt;=3.12">some_pkg-2.0-py3-none-any.whl</a></body></html>',
    );
    const files = await listDistributions(pathToFileURL(index).toString(), 'some_pkg');
    expect(files).toHaveLength(1);
    expect(files?.[0]).toMatchObject({ version: '2.0', requiresPython: '>=3.12', sha256: 'ab'.repeat(32) });
    expect(files?.[0]?.url).toBe(pathToFileURL(join(wheels, 'some_pkg-2.0-py3-none-any.whl')).toString());
  });

  it('lists the project directory when it has no index.html, and answers undefined for a missing project', async () => {
    const index = join(root, 'plain-index');
    await mkdir(join(index, 'other'), { recursive: true });
    await writeWheel(join(index, 'other'), { name: 'other', version: '3.0' });
    const url = `${pathToFileURL(index).toString()}/`;
    expect((await listDistributions(url, 'other'))?.map((file) => file.version)).toEqual(['3.0']);
    expect(await listDistributions(url, 'some-pkg')).toBeUndefined();
  });

  it('throws IndexUnavailableError when the index directory itself is missing', async () => {
    await expect(listDistributions(pathToFileURL(join(root, 'nowhere')).toString(), 'pkg')).rejects.toBeInstanceOf(IndexUnavailableError);
  });
});

describe('parseProjectPage', () => {
  it('honours <base>, entities, data-yanked, and drops files of other projects', () => {
    const html = [
      '<base href="https://files.example/packages/">',
      '<a href="pkg-1.0-py3-none-any.whl" data-yanked="broken &amp; bad">pkg-1.0-py3-none-any.whl</a>',
      "<a href='pkg-1.1.tar.gz#md5=abc'>pkg-1.1.tar.gz</a>",
      '<a href="other-1.0-py3-none-any.whl">other</a>',
    ].join('\n');
    const files = parseProjectPage(html, new URL('https://index.example/simple/pkg/'), 'pkg');
    expect(files.map((file) => [file.url, file.yanked])).toEqual([
      ['https://files.example/packages/pkg-1.0-py3-none-any.whl', 'broken & bad'],
      ['https://files.example/packages/pkg-1.1.tar.gz', undefined],
    ]);
  });
});
