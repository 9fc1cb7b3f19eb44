import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { normalizeName } from '../core/requirements.js';

/**
 * What pip put in a `--target` directory, per distribution, read from each
 * `*.dist-info` (METADATA for name, version and dependencies; RECORD for files).
 */
export interface InstalledDistribution {
  name: string;
  key: string;
  version: string;
  /** Requires-Dist lines, markers included. */
  requires: string[];
  /** Paths relative to the target dir (posix), dist-info included. */
  files: string[];
  /** Bytes on disk of those files. */
  size: number;
}

function headerValues(metadata: string, header: string): string[] {
  const values: string[] = [];
  for (const line of metadata.split(/\r?\n/)) {
    if (line === '') break; // headers end at the first blank line; the body follows
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).toLowerCase() === header.toLowerCase()) values.push(line.slice(colon + 1).trim());
  }
  return values;
}

/** RECORD is CSV: path,hash,size. Paths may be quoted when they contain commas. */
function recordPaths(record: string): string[] {
  const paths: string[] = [];
  for (const line of record.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const path = line.startsWith('"') ? line.slice(1, line.indexOf('"', 1)) : line.split(',')[0]!;
    paths.push(path);
  }
  return paths;
}

export async function readInstalledDistributions(targetDir: string): Promise<InstalledDistribution[]> {
  const entries = await readdir(targetDir);
  const distInfos = entries.filter((entry) => entry.endsWith('.dist-info')).sort();
  const distributions: InstalledDistribution[] = [];
  for (const distInfo of distInfos) {
    const metadata = await readFile(join(targetDir, distInfo, 'METADATA'), 'utf8').catch(() => '');
    const record = await readFile(join(targetDir, distInfo, 'RECORD'), 'utf8').catch(() => '');
    const name = headerValues(metadata, 'Name')[0] ?? distInfo.replace(/-[^-]+\.dist-info$/, '');
    const files = new Set<string>();
    let size = 0;
    for (const path of recordPaths(record)) {
      const normalized = posix.normalize(path.replaceAll('\\', '/'));
      // --target installs keep everything inside the target; paths escaping it (scripts) are dropped.
      if (normalized.startsWith('../') || posix.isAbsolute(normalized) || files.has(normalized)) continue;
      const stats = await lstat(join(targetDir, normalized)).catch(() => undefined);
      if (!stats) continue;
      files.add(normalized);
      size += stats.size;
    }
    distributions.push({
      name,
      key: normalizeName(name),
      version: headerValues(metadata, 'Version')[0] ?? '',
      requires: headerValues(metadata, 'Requires-Dist'),
      files: [...files].sort(),
      size,
    });
  }
  return distributions;
}
