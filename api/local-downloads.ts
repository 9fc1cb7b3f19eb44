import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { DiskArtifactStore } from '../core/local/disk-artifact-store.js';

/**
 * GET /downloads/<key>?filename&expires&signature: local mode's stand-in for S3
 * presigned URLs. Served only by the local server, outside the typed API.
 */
export function createLocalDownloads(artifacts: DiskArtifactStore) {
  return new Hono().get('/downloads/*', async (c) => {
    let key: string;
    try {
      key = decodeURIComponent(c.req.path.slice('/downloads/'.length));
    } catch {
      return c.json({ error: 'this download link is not valid' }, 403);
    }
    const resolved = artifacts.resolveSignedDownload(key, c.req.query());
    if (resolved === 'expired') return c.json({ error: 'this download link has expired; GET the build again for a fresh one' }, 403);
    if (resolved === 'invalid') return c.json({ error: 'this download link is not valid' }, 403);
    const info = await stat(resolved.path).catch(() => undefined);
    if (!info?.isFile()) return c.json({ error: 'the file is gone (builds expire after their lifetime)' }, 404);
    const body = Readable.toWeb(createReadStream(resolved.path)) as ReadableStream;
    return c.body(body, 200, {
      'Content-Type': 'application/zip',
      'Content-Length': String(info.size),
      'Content-Disposition': `attachment; filename="${resolved.filename.replace(/["\\]/g, '_')}"`,
    });
  });
}
