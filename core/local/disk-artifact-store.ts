import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArtifactStore } from '../ports.js';
import { copyFileAtomic } from './atomic-file.js';

export interface DiskArtifactStoreOptions {
  /** Files live at `<dir>/<key>`. */
  dir: string;
  /** Origin the links point at, e.g. `http://localhost:3000`; a trailing slash is ignored. */
  baseUrl: string;
  /** Key for the HMAC that signs download links. */
  secret: string | Uint8Array;
  now?: () => Date;
}

export type SignedDownload = { path: string; filename: string } | 'expired' | 'invalid';

export interface DiskArtifactStore extends ArtifactStore {
  /**
   * Checks a `/downloads/<key>` request's query (`filename`, `expires`, `signature`).
   * Answers where the file is and the name to serve it as, or why not. Whether the file
   * still exists is left to the caller that opens it.
   */
  resolveSignedDownload(key: string, query: Readonly<Record<string, string | undefined>>): SignedDownload;
}

const KEY_SEGMENT = /^[A-Za-z0-9._+-]+$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
const EXPIRES = /^[0-9]{1,15}$/;

/**
 * ArtifactStore on the local disk, with links signed like S3 presigned URLs: the HMAC
 * covers key, filename and expiry, so none can be changed, and a link stops working at
 * its expiry. Keys are relative paths of plain segments; anything that could leave
 * `dir` (`..`, absolute paths, backslashes) is refused.
 */
export function createDiskArtifactStore(options: DiskArtifactStoreOptions): DiskArtifactStore {
  if (options.secret.length === 0) throw new Error('the download link secret is empty');
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const now = options.now ?? (() => new Date());
  const sign = (key: string, filename: string, expires: string) =>
    createHmac('sha256', options.secret).update(JSON.stringify([key, filename, expires])).digest();

  return {
    async putFile(key, path) {
      const target = join(options.dir, checkedKey(key));
      await mkdir(dirname(target), { recursive: true });
      await copyFileAtomic(path, target);
    },

    async downloadUrl(key, filename, expiresAt) {
      checkedKey(key);
      if (!isPlainFilename(filename)) throw new Error(`download filename ${JSON.stringify(filename)} is not a plain name`);
      const expires = String(Math.floor(expiresAt.getTime() / 1000));
      const query = new URLSearchParams({
        filename,
        expires,
        signature: sign(key, filename, expires).toString('hex'),
      });
      const path = key.split('/').map(encodeURIComponent).join('/');
      return `${baseUrl}/downloads/${path}?${query.toString()}`;
    },

    resolveSignedDownload(key, query) {
      const { filename, expires, signature } = query;
      if (!isValidKey(key) || filename === undefined || !isPlainFilename(filename)) return 'invalid';
      if (expires === undefined || !EXPIRES.test(expires)) return 'invalid';
      if (signature === undefined || !SIGNATURE.test(signature)) return 'invalid';
      if (!timingSafeEqual(Buffer.from(signature, 'hex'), sign(key, filename, expires))) return 'invalid';
      if (Number(expires) * 1000 < now().getTime()) return 'expired';
      return { path: join(options.dir, key), filename };
    },
  };
}

function isValidKey(key: string): boolean {
  const segments = key.split('/');
  return segments.every((segment) => KEY_SEGMENT.test(segment) && segment !== '.' && segment !== '..');
}

function checkedKey(key: string): string {
  if (!isValidKey(key)) throw new Error(`artifact key ${JSON.stringify(key)} is not a relative path of plain segments`);
  return key;
}

/** No path separators or control characters: the name ends up in a Content-Disposition header. */
function isPlainFilename(filename: string): boolean {
  return filename.length > 0 && filename.length <= 255 && !/[/\\\u0000-\u001f\u007f"]/.test(filename);
}
