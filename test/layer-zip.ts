import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Reads a layer zip the way users' tools do: Info-ZIP's `zipinfo` for names and Unix
 * modes, `unzip` to extract. Tests assert on what these report, not on our own reader.
 */
export interface ZipEntryInfo {
  name: string;
  /** Unix permission string as zipinfo prints it, e.g. `-rw-r--r--`. */
  permissions: string;
  /** Host system zipinfo reports (`unx` for Unix). */
  system: string;
}

export function listZip(path: string): ZipEntryInfo[] {
  const output = execFileSync('zipinfo', ['-l', path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const entries: ZipEntryInfo[] = [];
  for (const line of output.split('\n')) {
    const match = /^([-dlrwxsStT]{10})\s+\S+\s+(\S+)\s+\d+\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+\s+(.+)$/.exec(line);
    if (match) entries.push({ permissions: match[1]!, system: match[2]!, name: match[3]!.replace(/ -> .*$/, '') });
  }
  return entries;
}

export function extractZip(path: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'layer-extract-'));
  execFileSync('unzip', ['-q', path, '-d', dir]);
  return dir;
}

/** Runs python3 with only the layer's directory added to sys.path, as Lambda does. */
export function importFromLayer(sitePackages: string, code: string): string {
  return execFileSync('python3', ['-I', '-S', '-c', `import sys; sys.path.insert(0, ${JSON.stringify(sitePackages)})\n${code}`], {
    encoding: 'utf8',
  });
}
