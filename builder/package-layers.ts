import { join } from 'node:path';
import type { Architecture, RuntimeInfo } from '../core/runtime-catalog.js';
import type { Layout } from '../core/schemas.js';
import { writeDeterministicZip } from './deterministic-zip.js';
import { layerFilename, layerPrefix } from './layer-files.js';

/** One zip written to disk, ready to store. */
export interface LayerZip {
  filename: string;
  path: string;
  architecture: Architecture;
  size: number;
  sha256: string;
  unzippedSize: number;
}

/**
 * A zip's contents in individual mode: the files of some distributions. Each requested
 * package gets its own zip holding it and everything it needs (from the one resolution,
 * so versions agree when several such layers are attached together).
 */
export interface LayerScope {
  name: string;
  files: Set<string>;
}

function withParentDirs(files: Iterable<string>): Set<string> {
  const included = new Set<string>();
  for (const file of files) {
    included.add(file);
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) included.add(parts.slice(0, i).join('/'));
  }
  return included;
}

export async function packageLayers(args: {
  siteDir: string;
  outDir: string;
  runtime: RuntimeInfo;
  arch: Architecture;
  layout: Layout;
  /** undefined: one combined zip of the whole tree. */
  scopes?: LayerScope[];
}): Promise<LayerZip[]> {
  const prefix = layerPrefix(args.layout, args.runtime);
  const scopes = args.scopes ?? [{ name: 'combined', files: undefined }];
  const zips: LayerZip[] = [];
  for (const scope of scopes) {
    const filename = layerFilename(scope.name, args.runtime, args.arch);
    const path = join(args.outDir, filename);
    const included = scope.files ? withParentDirs(scope.files) : undefined;
    const result = await writeDeterministicZip({
      sourceDir: args.siteDir,
      prefix,
      outPath: path,
      include: included ? (relPath) => included.has(relPath.replace(/\/$/, '')) : undefined,
    });
    zips.push({ filename, path, architecture: args.arch, size: result.size, sha256: result.sha256, unzippedSize: result.uncompressedBytes });
  }
  return zips;
}
