import type { Architecture, RuntimeInfo } from '../core/runtime-catalog.js';
import { MACHINE_OF } from '../core/runtime-catalog.js';
import type { Layout } from '../core/schemas.js';

/** Lambda's documented limits for layers. */
export const LAMBDA_LIMITS = {
  unzippedBytes: 250 * 1024 * 1024,
  directUploadZipBytes: 50 * 1024 * 1024,
  layersPerFunction: 5,
} as const;

/** Where packages sit inside the zip: Lambda puts `/opt/python` and the site dir on sys.path. */
export function layerPrefix(layout: Layout, runtime: RuntimeInfo): string {
  return layout === 'python' ? 'python/' : `python/lib/python${runtime.python_version}/site-packages/`;
}

/** The seed's names: combined-python3.13-x86_64.zip, arm64 written as aarch64. */
export function layerFilename(scope: 'combined' | string, runtime: RuntimeInfo, arch: Architecture): string {
  return `${scope}-python${runtime.python_version}-${MACHINE_OF[arch]}.zip`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}
