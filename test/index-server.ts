import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { parseDistributionFilename } from '../builder/wheel-tags.js';
import { normalizeName } from '../core/requirements.js';

/**
 * A PEP 503 simple index over a directory of wheels and sdists, on 127.0.0.1 and a free
 * port. The directory is scanned on every request, so tests may add files while it runs.
 * Project pages link each file with a `#sha256=` fragment and, for wheels whose METADATA
 * has Requires-Python, `data-requires-python`. Unknown projects answer 404, as PyPI does.
 */
export interface IndexServer {
  /** `http://127.0.0.1:PORT/simple` */
  url: string;
  /** Every request path, in arrival order. */
  requests: string[];
  close(): Promise<void>;
}

interface IndexedFile {
  filename: string;
  sha256: string;
  requiresPython?: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Reads one member of a zip (stored or deflated) by scanning the central directory. */
export function readZipMember(zip: Buffer, wanted: (name: string) => boolean): Buffer | undefined {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) return undefined;
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) return undefined;
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (wanted(name)) {
      const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      return undefined;
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  return undefined;
}

function requiresPythonOf(wheel: Buffer): string | undefined {
  const metadata = readZipMember(wheel, (name) => /^[^/]+\.dist-info\/METADATA$/.test(name));
  if (!metadata) return undefined;
  const headers = metadata.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  return /^Requires-Python:\s*(.+?)\s*$/im.exec(headers)?.[1];
}

async function scan(root: string): Promise<Map<string, IndexedFile[]>> {
  const projects = new Map<string, IndexedFile[]>();
  for (const filename of (await readdir(root)).sort()) {
    const parsed = parseDistributionFilename(filename);
    if (!parsed) continue;
    const data = await readFile(join(root, filename));
    const file: IndexedFile = {
      filename,
      sha256: createHash('sha256').update(data).digest('hex'),
      requiresPython: parsed.kind === 'wheel' ? requiresPythonOf(data) : undefined,
    };
    const key = normalizeName(parsed.name);
    projects.set(key, [...(projects.get(key) ?? []), file]);
  }
  return projects;
}

function page(title: string, body: string[]): string {
  return `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${escapeHtml(title)}</title></head><body>\n${body.join('\n')}\n</body></html>\n`;
}

function send(response: ServerResponse, status: number, body: string | Buffer, type = 'text/html; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

export async function startIndexServer(root: string): Promise<IndexServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const raw = new URL(request.url ?? '/', 'http://index.invalid').pathname;
    let path: string;
    try {
      path = decodeURIComponent(raw);
    } catch {
      path = raw;
    }
    requests.push(path);
    handle(path, response).catch((error: unknown) => send(response, 500, String(error), 'text/plain'));
  });

  async function handle(path: string, response: ServerResponse): Promise<void> {
    if (path === '/simple' || path === '/simple/') {
      const projects = [...(await scan(root)).keys()];
      send(response, 200, page('Simple index', projects.map((key) => `<a href="/simple/${key}/">${key}</a>`)));
      return;
    }
    const project = /^\/simple\/([^/]+)\/?$/.exec(path)?.[1];
    if (project !== undefined) {
      const key = normalizeName(project);
      if (project !== key || !path.endsWith('/')) {
        response.writeHead(301, { location: `/simple/${key}/` }).end();
        return;
      }
      const files = (await scan(root)).get(key);
      if (!files) return send(response, 404, 'Not Found', 'text/plain');
      const anchors = files.map((file) => {
        const requiresPython = file.requiresPython ? ` data-requires-python="${escapeHtml(file.requiresPython)}"` : '';
        const href = `/files/${encodeURIComponent(file.filename)}#sha256=${file.sha256}`;
        return `<a href="${escapeHtml(href)}"${requiresPython}>${escapeHtml(file.filename)}</a><br>`;
      });
      send(response, 200, page(`Links for ${key}`, anchors));
      return;
    }
    const filename = /^\/files\/([^/]+)$/.exec(path)?.[1];
    if (filename !== undefined && parseDistributionFilename(filename)) {
      const data = await readFile(join(root, filename)).catch(() => undefined);
      if (data) return send(response, 200, data, 'application/octet-stream');
    }
    send(response, 404, 'Not Found', 'text/plain');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

