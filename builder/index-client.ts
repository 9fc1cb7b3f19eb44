import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { normalizeName } from '../core/requirements.js';
import { parseDistributionFilename, type DistributionFilename } from './wheel-tags.js';

/**
 * Reads one project's page of a PEP 503 simple index (http, https or file://) to explain
 * why pip found nothing that fits; installing is pip's job, not this module's.
 */

export interface DistributionFile extends DistributionFilename {
  filename: string;
  /** Absolute URL of the file, without the `#hash` fragment. */
  url: string;
  requiresPython?: string;
  /** Present when the index marks the file yanked; the reason, possibly empty. */
  yanked?: string;
  sha256?: string;
}

/** The index could not be read (connection refused, timeout, bad status, missing root). */
export class IndexUnavailableError extends Error {
  override name = 'IndexUnavailableError';
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Project URL on an index: `<index>/<normalized-name>/`. */
export function projectUrl(indexUrl: string, project: string): URL {
  const base = indexUrl.endsWith('/') ? indexUrl : `${indexUrl}/`;
  return new URL(`${encodeURIComponent(normalizeName(project))}/`, base);
}

/** An index URL fit for messages: user name and password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '***';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Every file of `project` on the index, or undefined when the index does not know it. */
export async function listDistributions(
  indexUrl: string,
  project: string,
  opts: { timeoutMs?: number } = {},
): Promise<DistributionFile[] | undefined> {
  const url = projectUrl(indexUrl, project);
  if (url.protocol === 'file:') return listFileIndex(indexUrl, url, project);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IndexUnavailableError(`index ${redactUrl(indexUrl)} uses an unsupported scheme ${url.protocol}`);
  }
  const { credentials, bare } = splitCredentials(url);
  let response: Response;
  try {
    response = await fetch(bare, {
      headers: { accept: 'text/html', ...(credentials ? { authorization: credentials } : {}) },
      signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    throw new IndexUnavailableError(`could not reach ${redactUrl(url.toString())}: ${reasonOf(error)}`, { cause: error });
  }
  if (response.status === 404) return undefined;
  if (!response.ok) {
    throw new IndexUnavailableError(`${redactUrl(url.toString())} answered HTTP ${response.status}`);
  }
  return parseProjectPage(await response.text(), new URL(response.url || bare), project);
}

/** fetch refuses URLs with credentials: move them into an Authorization header. */
function splitCredentials(url: URL): { credentials?: string; bare: string } {
  if (!url.username && !url.password) return { bare: url.toString() };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const bare = new URL(url);
  bare.username = '';
  bare.password = '';
  return { credentials: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, bare: bare.toString() };
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}

async function listFileIndex(indexUrl: string, url: URL, project: string): Promise<DistributionFile[] | undefined> {
  const root = fileURLToPath(new URL(indexUrl.endsWith('/') ? indexUrl : `${indexUrl}/`));
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new IndexUnavailableError(`index directory ${root} does not exist`);
  const dir = fileURLToPath(url);
  const html = await readFile(join(dir, 'index.html'), 'utf8').catch(() => undefined);
  if (html !== undefined) return parseProjectPage(html, url, project);
  const names = await readdir(dir).catch(() => undefined);
  if (!names) return undefined;
  const files: DistributionFile[] = [];
  for (const filename of names.sort()) {
    const parsed = parseDistributionFilename(filename, project);
    if (parsed && normalizeName(parsed.name) === normalizeName(project)) {
      files.push({ ...parsed, filename, url: pathToFileURL(join(dir, filename)).toString() });
    }
  }
  return files;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[body.toLowerCase()] ?? whole;
  });
}

function attributes(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of text.matchAll(/([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    result.set(match[1]!.toLowerCase(), unescapeHtml(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return result;
}

/** Anchors of a PEP 503 project page whose file names belong to `project`. */
export function parseProjectPage(html: string, pageUrl: URL, project: string): DistributionFile[] {
  const baseHref = /<base\s([^>]*)>/i.exec(html)?.[1];
  const base = new URL(attributes(baseHref ?? '').get('href') ?? pageUrl.toString(), pageUrl);
  const files: DistributionFile[] = [];
  for (const anchor of html.matchAll(/<a\s([^>]*)>/gi)) {
    const attrs = attributes(anchor[1]!);
    const href = attrs.get('href');
    if (!href) continue;
    let url: URL;
    try {
      url = new URL(href, base);
    } catch {
      continue;
    }
    const filename = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    const parsed = parseDistributionFilename(filename, project);
    if (!parsed || normalizeName(parsed.name) !== normalizeName(project)) continue;
    const sha256 = /(?:^|&)sha256=([0-9a-f]{64})/i.exec(url.hash.slice(1))?.[1];
    url.hash = '';
    const file: DistributionFile = { ...parsed, filename, url: url.toString() };
    const requiresPython = attrs.get('data-requires-python');
    if (requiresPython) file.requiresPython = requiresPython;
    const yanked = attrs.get('data-yanked');
    if (yanked !== undefined) file.yanked = yanked;
    if (sha256) file.sha256 = sha256.toLowerCase();
    files.push(file);
  }
  return files;
}
