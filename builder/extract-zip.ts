import { chmod, mkdir, open, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';

const inflate = promisify(inflateRaw);

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/**
 * Unpacks a zip into `destDir` as Lambda unpacks a layer into /opt: directories, regular
 * files with their Unix modes, and symlinks kept as links. Reads stored and deflated
 * entries without zip64, which is what builder/deterministic-zip.ts writes. Entries whose
 * name or link target would leave `destDir` are refused, so a zip cannot write elsewhere.
 */
export async function extractZip(zipPath: string, destDir: string): Promise<{ entries: number }> {
  const root = resolve(destDir);
  const file = await open(zipPath, 'r');
  try {
    const { size } = await file.stat();
    const tailLength = Math.min(size, EOCD_MIN + MAX_COMMENT);
    const tail = await readAt(file, size - tailLength, tailLength);
    let eocd = -1;
    for (let at = tail.length - EOCD_MIN; at >= 0; at--) {
      if (tail.readUInt32LE(at) === EOCD_SIGNATURE) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${zipPath} is not a zip (no end of central directory)`);
    const count = tail.readUInt16LE(eocd + 10);
    const directorySize = tail.readUInt32LE(eocd + 12);
    const directoryOffset = tail.readUInt32LE(eocd + 16);
    const directory = await readAt(file, directoryOffset, directorySize);

    let at = 0;
    for (let index = 0; index < count; index++) {
      if (directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new Error(`${zipPath}: bad central directory entry ${index}`);
      const method = directory.readUInt16LE(at + 10);
      const compressedSize = directory.readUInt32LE(at + 20);
      const nameLength = directory.readUInt16LE(at + 28);
      const extraLength = directory.readUInt16LE(at + 30);
      const commentLength = directory.readUInt16LE(at + 32);
      const mode = directory.readUInt32LE(at + 38) >>> 16;
      const localOffset = directory.readUInt32LE(at + 42);
      const name = directory.subarray(at + 46, at + 46 + nameLength).toString('utf8');
      at += 46 + nameLength + extraLength + commentLength;

      const target = inside(root, name);
      if (name.endsWith('/') || (mode & S_IFMT) === S_IFDIR) {
        await mkdir(target, { recursive: true });
        continue;
      }
      const local = await readAt(file, localOffset, 30);
      if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new Error(`${zipPath}: bad local header for ${name}`);
      const dataStart = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const raw = await readAt(file, dataStart, compressedSize);
      const data = method === 0 ? raw : method === 8 ? await inflate(raw) : undefined;
      if (!data) throw new Error(`${zipPath}: ${name} uses compression method ${method}`);

      await mkdir(dirname(target), { recursive: true });
      if ((mode & S_IFMT) === S_IFLNK) {
        const link = data.toString('utf8');
        inside(root, relative(root, resolve(dirname(target), link)));
        await symlink(link, target);
      } else {
        await writeFile(target, data);
        if (mode & 0o777) await chmod(target, mode & 0o777);
      }
    }
    return { entries: count };
  } finally {
    await file.close();
  }
}

async function readAt(file: Awaited<ReturnType<typeof open>>, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of zip at byte ${position + done}`);
    done += bytesRead;
  }
  return buffer;
}

/** The path of `name` under `root`, or an error if it would be anywhere else. */
function inside(root: string, name: string): string {
  const target = resolve(root, name);
  if (name.startsWith('/') || name.includes('\\') || (target !== root && !target.startsWith(root + sep))) {
    throw new Error(`zip entry ${JSON.stringify(name)} would leave the directory it is unpacked into`);
  }
  return join(target);
}
