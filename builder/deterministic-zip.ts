/**
 * Zips a layer tree so that the same tree always gives the same bytes (and SHA-256).
 *
 * Invariants: every entry sits under `prefix`, with explicit directory entries for the
 * prefix and every directory; entries sorted by UTF-8 name bytes; no duplicates; DOS time
 * 1980-01-01 00:00; Unix host ("version made by" 3.20) with modes 0644 files, 0755 dirs,
 * executables and shared objects, 0120777 in-tree symlinks (stored, data = relative
 * target); symlinks leaving the tree are stored as what they point to; `__pycache__` and
 * `*.pyc` never included; no extra fields, data descriptors or zip64.
 *
 * Speed: files are read and deflated concurrently on the libuv threadpool, bounded by a
 * count and a byte window ahead of the writer, which appends them in order. Files over
 * STREAM_THRESHOLD are deflated as a stream into a temporary file beside the output.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { crc32, createDeflateRaw, deflateRaw } from 'node:zlib';
import { isSharedObjectName } from './elf.js';

export interface DeterministicZipOptions {
  sourceDir: string;
  /** Path inside the zip, e.g. `python/lib/python3.13/site-packages/` or `python/`. */
  prefix: string;
  outPath: string;
  /**
   * Called with each path relative to `sourceDir` (posix separators; directories end
   * with `/`). Returning false leaves the entry out, and for a directory its whole subtree.
   */
  include?: (relPath: string) => boolean;
  /** Deflate level 0-9; default 6. */
  level?: number;
}

export interface DeterministicZipResult {
  /** Size of the zip file in bytes. */
  size: number;
  sha256: string;
  entries: number;
  /** Sum of the entries' uncompressed sizes. */
  uncompressedBytes: number;
}

type Entry =
  | { kind: 'dir'; name: Buffer }
  | { kind: 'file'; name: Buffer; abs: string; size: number; mode: number }
  | { kind: 'link'; name: Buffer; target: string };

interface Prepared {
  method: 0 | 8;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  /** The entry's bytes in memory... */
  data?: Buffer;
  /** ...or in this file (the source itself, or a temporary deflate output). */
  dataFile?: string;
  tempFile?: string;
}

const STREAM_THRESHOLD = 16 * 1024 * 1024;
const WINDOW_BYTES = 96 * 1024 * 1024;
const WINDOW_ENTRIES = 512;
const STAGE_SIZE = 1024 * 1024;
const ZIP32_LIMIT = 0xffffffff;
const MAX_ENTRIES = 0xffff;

const MODE_FILE = 0o100644;
const MODE_EXEC = 0o100755;
const MODE_DIR = 0o040755;
const MODE_LINK = 0o120777;
const VERSION_MADE_BY = (3 << 8) | 20;
const FLAG_UTF8 = 0x0800;
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const MSDOS_DIR_ATTR = 0x10;

const deflateRawAsync = promisify(deflateRaw);

export async function writeDeterministicZip(
  opts: DeterministicZipOptions,
): Promise<DeterministicZipResult> {
  const level = opts.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new Error(`zip level must be an integer from 0 to 9, got ${level}`);
  }
  const prefix = normalizePrefix(opts.prefix);
  const tree = await collectTree(opts.sourceDir, prefix, opts.include);
  const entries = [...prefixDirectories(prefix), ...tree];
  entries.sort((a, b) => Buffer.compare(a.name, b.name));
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]?.name.equals(entries[i - 1]?.name ?? Buffer.alloc(0))) {
      throw new Error(`duplicate zip entry name: ${entries[i]?.name.toString('utf8')}`);
    }
  }
  if (entries.length > MAX_ENTRIES) {
    throw new Error(
      `${entries.length} entries is more than a zip without zip64 holds (${MAX_ENTRIES})`,
    );
  }

  const tmpPath = `${opts.outPath}.tmp`;
  const handle = await open(tmpPath, 'w');
  const out = new OutputWriter(handle);
  const pipelineState = new PreparePipeline(entries, level, opts.outPath);
  try {
    const central: Buffer[] = [];
    let uncompressedBytes = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      const prepared = await pipelineState.take(i);
      const offset = out.offset;
      if (offset >= ZIP32_LIMIT) throw tooBig('the zip passes 4 GiB');
      await out.write(localHeader(entry, prepared));
      if (prepared.data) await out.write(prepared.data);
      else if (prepared.dataFile) await out.copyFile(prepared.dataFile, prepared.compressedSize);
      if (prepared.tempFile) await rm(prepared.tempFile, { force: true });
      pipelineState.done(i);
      central.push(centralHeader(entry, prepared, offset));
      uncompressedBytes += prepared.uncompressedSize;
    }
    const centralOffset = out.offset;
    for (const record of central) await out.write(record);
    const centralSize = out.offset - centralOffset;
    if (centralOffset >= ZIP32_LIMIT || centralSize >= ZIP32_LIMIT) {
      throw tooBig('the central directory passes 4 GiB');
    }
    await out.write(endOfCentralDirectory(entries.length, centralSize, centralOffset));
    await out.flush();
    await handle.close();
    await rename(tmpPath, opts.outPath);
    return { size: out.offset, sha256: out.sha256(), entries: entries.length, uncompressedBytes };
  } catch (error) {
    await pipelineState.abort();
    await handle.close().catch(() => undefined);
    await rm(tmpPath, { force: true });
    throw error;
  }
}

function tooBig(what: string): Error {
  return new Error(`cannot write the zip without zip64: ${what}`);
}

function normalizePrefix(prefix: string): string {
  if (prefix === '') return '';
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const parts = trimmed.split('/');
  const badPart = parts.some((p) => p === '' || p === '.' || p === '..');
  if (prefix.startsWith('/') || prefix.includes('\\') || badPart) {
    throw new Error(`zip prefix must be a relative path like "python/", got "${prefix}"`);
  }
  return `${trimmed}/`;
}

function prefixDirectories(prefix: string): Entry[] {
  const dirs: Entry[] = [];
  let current = '';
  for (const part of prefix.split('/').filter(Boolean)) {
    current += `${part}/`;
    dirs.push({ kind: 'dir', name: Buffer.from(current, 'utf8') });
  }
  return dirs;
}

function fileMode(rel: string, statMode: number): number {
  const executable = (statMode & 0o111) !== 0 || isSharedObjectName(path.posix.basename(rel));
  return executable ? MODE_EXEC : MODE_FILE;
}

function isInside(root: string, candidate: string): boolean {
  const withSep = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate === root || candidate.startsWith(withSep);
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

async function collectTree(
  sourceDir: string,
  prefix: string,
  include: ((relPath: string) => boolean) | undefined,
): Promise<Entry[]> {
  const rootAbs = path.resolve(sourceDir);
  const rootReal = await realpath(rootAbs);
  const entries: Entry[] = [];
  const wanted = (rel: string): boolean => !include || include(rel);
  const name = (rel: string): Buffer => Buffer.from(prefix + rel, 'utf8');

  const addFile = (rel: string, abs: string, size: number, statMode: number): void => {
    if (size >= ZIP32_LIMIT) throw tooBig(`${rel} is ${size} bytes`);
    entries.push({ kind: 'file', name: name(rel), abs, size, mode: fileMode(rel, statMode) });
  };

  /** `ancestors` holds real paths of out-of-tree directories being walked (cycle guard). */
  const walk = async (
    dirAbs: string,
    relDir: string,
    ancestors: ReadonlySet<string>,
  ): Promise<void> => {
    const dirents = await readdir(dirAbs, { withFileTypes: true });
    await Promise.all(
      dirents.map(async (dirent) => {
        const abs = path.join(dirAbs, dirent.name);
        const rel = relDir ? `${relDir}/${dirent.name}` : dirent.name;
        if (dirent.isDirectory()) {
          if (dirent.name === '__pycache__' || !wanted(`${rel}/`)) return;
          entries.push({ kind: 'dir', name: name(`${rel}/`) });
          await walk(abs, rel, ancestors);
        } else if (dirent.isFile()) {
          if (dirent.name.endsWith('.pyc') || !wanted(rel)) return;
          const st = await stat(abs);
          addFile(rel, abs, st.size, st.mode);
        } else if (dirent.isSymbolicLink()) {
          await addLink(abs, rel, dirent.name, ancestors);
        }
        // Sockets, FIFOs and devices have no place in a layer.
      }),
    );
  };

  const addLink = async (
    abs: string,
    rel: string,
    base: string,
    ancestors: ReadonlySet<string>,
  ): Promise<void> => {
    if (base === '__pycache__' || base.endsWith('.pyc')) return;
    const real = await realpath(abs).catch(() => undefined);
    if (real === undefined) {
      const raw = await readlink(abs);
      const lexical = path.resolve(path.dirname(abs), raw);
      if (!isInside(rootAbs, lexical) && !isInside(rootReal, lexical)) {
        throw new Error(`symlink ${rel} points outside the tree to ${raw}, which does not exist`);
      }
      // Dangling but aimed inside: keep it, relative so it still means the same once unzipped.
      const target = path.isAbsolute(raw) ? path.relative(path.dirname(abs), lexical) : raw;
      if (wanted(rel)) entries.push({ kind: 'link', name: name(rel), target: toPosix(target) });
      return;
    }
    if (isInside(rootReal, real)) {
      if (!wanted(rel)) return;
      const targetRel = toPosix(path.relative(rootReal, real));
      const target = path.posix.relative(path.posix.dirname(rel), targetRel) || '.';
      entries.push({ kind: 'link', name: name(rel), target });
      return;
    }
    // Out of the tree: the layer gets a copy of what the link points to.
    const st = await stat(real);
    if (st.isDirectory()) {
      if (!wanted(`${rel}/`)) return;
      if (ancestors.has(real)) throw new Error(`symlink ${rel} makes a cycle through ${real}`);
      entries.push({ kind: 'dir', name: name(`${rel}/`) });
      await walk(real, rel, new Set([...ancestors, real]));
    } else if (st.isFile()) {
      if (wanted(rel)) addFile(rel, real, st.size, st.mode);
    }
  };

  await walk(rootAbs, '', new Set());
  return entries;
}

/**
 * Prepares entries (read, CRC, deflate) ahead of the writer: at most `concurrency` at
 * once, and no further ahead than WINDOW_ENTRIES / WINDOW_BYTES, so memory stays bounded
 * while the next entry the writer needs can always start.
 */
class PreparePipeline {
  private readonly prepared: (Promise<Prepared> | undefined)[];
  private readonly concurrency = Math.max(2, availableParallelism() * 2);
  private launched = 0;
  private written = 0;
  private running = 0;
  private aheadBytes = 0;
  private aborted = false;

  constructor(
    private readonly entries: readonly Entry[],
    private readonly level: number,
    private readonly outPath: string,
  ) {
    this.prepared = new Array<Promise<Prepared> | undefined>(entries.length);
  }

  take(index: number): Promise<Prepared> {
    this.pump();
    const promise = this.prepared[index];
    if (!promise) throw new Error(`internal: zip entry ${index} was not scheduled`);
    return promise;
  }

  done(index: number): void {
    this.prepared[index] = undefined;
    this.aheadBytes -= cost(this.entries[index] as Entry);
    this.written = index + 1;
    this.pump();
  }

  /** Waits for work in flight and deletes temporary files nobody will consume. */
  async abort(): Promise<void> {
    this.aborted = true;
    const pending = this.prepared.filter((p): p is Promise<Prepared> => p !== undefined);
    const results = await Promise.allSettled(pending);
    for (const result of results) {
      if (result.status === 'fulfilled' && result.value.tempFile) {
        await rm(result.value.tempFile, { force: true });
      }
    }
  }

  private pump(): void {
    while (!this.aborted && this.launched < this.entries.length) {
      const index = this.launched;
      const entry = this.entries[index] as Entry;
      if (entry.kind !== 'file') {
        this.prepared[index] = Promise.resolve(prepareSmall(entry));
        this.launched++;
        continue;
      }
      const entryCost = cost(entry);
      const isNext = index === this.written;
      if (this.running >= this.concurrency) return;
      const windowFull =
        index - this.written >= WINDOW_ENTRIES || this.aheadBytes + entryCost > WINDOW_BYTES;
      if (!isNext && windowFull) return;
      this.running++;
      this.aheadBytes += entryCost;
      this.launched++;
      const promise = prepareFile(entry, this.level, `${this.outPath}.tmp-${index}`).finally(() => {
        this.running--;
        this.pump();
      });
      promise.catch(() => undefined); // the writer awaits and reports it
      this.prepared[index] = promise;
    }
  }
}

/** Memory an entry may hold while waiting: raw plus compressed bytes, unless streamed. */
function cost(entry: Entry): number {
  if (entry.kind !== 'file') return 0;
  return entry.size > STREAM_THRESHOLD ? 0 : entry.size * 2;
}

function prepareSmall(entry: Exclude<Entry, { kind: 'file' }>): Prepared {
  const data = entry.kind === 'dir' ? Buffer.alloc(0) : Buffer.from(entry.target, 'utf8');
  return stored(data, crc32(data));
}

function stored(data: Buffer, crc: number): Prepared {
  return { method: 0, crc, compressedSize: data.length, uncompressedSize: data.length, data };
}

async function prepareFile(
  entry: Extract<Entry, { kind: 'file' }>,
  level: number,
  tempFile: string,
): Promise<Prepared> {
  if (entry.size > STREAM_THRESHOLD) return prepareStreamed(entry.abs, level, tempFile);
  const raw = await readFile(entry.abs);
  const crc = crc32(raw);
  if (level === 0 || raw.length === 0) return stored(raw, crc);
  const deflated = await deflateRawAsync(raw, { level });
  if (deflated.length >= raw.length) return stored(raw, crc);
  const sizes = { compressedSize: deflated.length, uncompressedSize: raw.length };
  return { method: 8, crc, ...sizes, data: deflated };
}

async function prepareStreamed(abs: string, level: number, tempFile: string): Promise<Prepared> {
  let crc = 0;
  let size = 0;
  const measure = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      yield chunk;
    }
  };
  const read = createReadStream(abs, { highWaterMark: STAGE_SIZE });
  if (level === 0) {
    await pipeline(read, measure, async (source: AsyncIterable<Buffer>) => {
      for await (const _ of source); // CRC only; the writer copies the source itself
    });
    return storedFromFile(abs, crc, size);
  }
  try {
    await pipeline(read, measure, createDeflateRaw({ level }), createWriteStream(tempFile));
  } catch (error) {
    await rm(tempFile, { force: true });
    throw error;
  }
  const { size: compressedSize } = await stat(tempFile);
  if (compressedSize >= size) {
    await rm(tempFile, { force: true });
    return storedFromFile(abs, crc, size);
  }
  return { method: 8, crc, compressedSize, uncompressedSize: size, dataFile: tempFile, tempFile };
}

function storedFromFile(abs: string, crc: number, size: number): Prepared {
  if (size >= ZIP32_LIMIT) throw tooBig(`${abs} is ${size} bytes`);
  return { method: 0, crc, compressedSize: size, uncompressedSize: size, dataFile: abs };
}

function externalAttributes(entry: Entry): number {
  const mode = entry.kind === 'dir' ? MODE_DIR : entry.kind === 'link' ? MODE_LINK : entry.mode;
  return (mode * 0x10000 + (entry.kind === 'dir' ? MSDOS_DIR_ATTR : 0)) >>> 0;
}

function localHeader(entry: Entry, p: Prepared): Buffer {
  const header = Buffer.alloc(30 + entry.name.length);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(p.method === 8 ? 20 : 10, 4);
  header.writeUInt16LE(FLAG_UTF8, 6);
  header.writeUInt16LE(p.method, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(p.crc >>> 0, 14);
  header.writeUInt32LE(p.compressedSize, 18);
  header.writeUInt32LE(p.uncompressedSize, 22);
  header.writeUInt16LE(entry.name.length, 26);
  header.writeUInt16LE(0, 28);
  entry.name.copy(header, 30);
  return header;
}

function centralHeader(entry: Entry, p: Prepared, offset: number): Buffer {
  const header = Buffer.alloc(46 + entry.name.length);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(VERSION_MADE_BY, 4);
  header.writeUInt16LE(p.method === 8 ? 20 : 10, 6);
  header.writeUInt16LE(FLAG_UTF8, 8);
  header.writeUInt16LE(p.method, 10);
  header.writeUInt16LE(DOS_TIME, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(p.crc >>> 0, 16);
  header.writeUInt32LE(p.compressedSize, 20);
  header.writeUInt32LE(p.uncompressedSize, 24);
  header.writeUInt16LE(entry.name.length, 28);
  // extra length, comment length, disk number start, internal attributes: all 0
  header.writeUInt32LE(externalAttributes(entry), 38);
  header.writeUInt32LE(offset, 42);
  entry.name.copy(header, 46);
  return header;
}

function endOfCentralDirectory(count: number, size: number, offset: number): Buffer {
  const record = Buffer.alloc(22);
  record.writeUInt32LE(0x06054b50, 0);
  record.writeUInt16LE(count, 8);
  record.writeUInt16LE(count, 10);
  record.writeUInt32LE(size, 12);
  record.writeUInt32LE(offset, 16);
  return record;
}

/** Sequential output with a staging buffer; hashes bytes in the order they are written. */
class OutputWriter {
  offset = 0;
  private readonly hash = createHash('sha256');
  private readonly stage = Buffer.allocUnsafe(STAGE_SIZE);
  private staged = 0;

  constructor(private readonly handle: FileHandle) {}

  /** Once this resolves, the caller may reuse `data`. */
  async write(data: Buffer): Promise<void> {
    this.hash.update(data);
    this.offset += data.length;
    if (this.staged + data.length <= STAGE_SIZE) {
      data.copy(this.stage, this.staged);
      this.staged += data.length;
      return;
    }
    await this.flush();
    if (data.length >= STAGE_SIZE / 2) {
      await this.writeAll(data);
    } else {
      data.copy(this.stage, 0);
      this.staged = data.length;
    }
  }

  async copyFile(file: string, expectedSize: number): Promise<void> {
    const source = await open(file, 'r');
    try {
      const chunk = Buffer.allocUnsafe(STAGE_SIZE);
      let copied = 0;
      while (copied < expectedSize) {
        const length = Math.min(STAGE_SIZE, expectedSize - copied);
        const { bytesRead } = await source.read(chunk, 0, length, copied);
        if (bytesRead === 0) break;
        await this.write(chunk.subarray(0, bytesRead));
        copied += bytesRead;
      }
      if (copied !== expectedSize) {
        throw new Error(
          `${file} changed while zipping: expected ${expectedSize} bytes, read ${copied}`,
        );
      }
    } finally {
      await source.close();
    }
  }

  async flush(): Promise<void> {
    if (this.staged === 0) return;
    await this.writeAll(this.stage.subarray(0, this.staged));
    this.staged = 0;
  }

  sha256(): string {
    return this.hash.digest('hex');
  }

  private async writeAll(data: Buffer): Promise<void> {
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.handle.write(data, written, data.length - written);
      written += bytesWritten;
    }
  }
}
