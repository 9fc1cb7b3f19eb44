import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Optional slimming: drops what no import needs (type stubs, C/Cython sources, test
 * suites nested inside packages). Never touches `*.dist-info` (importlib.metadata reads
 * it) and never strips symbols from shared objects.
 */
const DROPPED_FILE = /\.(pyi|pyx|pxd|c|cc|cpp|h|hpp)$/;
const DROPPED_DIR = new Set(['tests', 'test', 'testing_data']);

export async function slimTree(root: string): Promise<{ removedFiles: number; removedBytes: number }> {
  let removedFiles = 0;
  let removedBytes = 0;

  async function sizeOf(path: string): Promise<{ files: number; bytes: number }> {
    const info = await stat(path);
    if (!info.isDirectory()) return { files: 1, bytes: info.size };
    let files = 0;
    let bytes = 0;
    for (const entry of await readdir(path)) {
      const inner = await sizeOf(join(path, entry));
      files += inner.files;
      bytes += inner.bytes;
    }
    return { files, bytes };
  }

  async function visit(dir: string, depth: number): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.endsWith('.dist-info')) continue;
        // depth >= 1: a `tests` package at the top level could be a real import name.
        if (depth >= 1 && DROPPED_DIR.has(entry.name)) {
          const size = await sizeOf(path);
          removedFiles += size.files;
          removedBytes += size.bytes;
          await rm(path, { recursive: true, force: true });
          continue;
        }
        await visit(path, depth + 1);
      } else if (entry.isFile() && DROPPED_FILE.test(entry.name)) {
        removedFiles += 1;
        removedBytes += (await stat(path)).size;
        await rm(path, { force: true });
      }
    }
  }

  await visit(root, 0);
  return { removedFiles, removedBytes };
}
