import type { MarkerEnvironment } from '../core/marker-environment.js';
import { dependencyClosure, type Root } from './dependency-graph.js';
import type { InstalledDistribution } from './installed-distributions.js';

/** The AWS SDK every Lambda Python runtime already ships; removed only all together. */
export const RUNTIME_SDK = new Set(['boto3', 'botocore', 's3transfer']);

/**
 * Which distributions to drop when the user relies on the runtime's SDK: boto3,
 * botocore and s3transfer, plus the dependencies only they need (jmespath, ...).
 * A package that something else in the layer needs stays.
 */
export function runtimeSdkRemovals(
  roots: Root[],
  distributions: InstalledDistribution[],
  environment: MarkerEnvironment,
): string[] {
  const installedSdk = distributions.filter((distribution) => RUNTIME_SDK.has(distribution.key));
  if (installedSdk.length === 0) return [];
  const kept = dependencyClosure(
    roots.filter((root) => !RUNTIME_SDK.has(root.key)),
    distributions,
    environment,
    RUNTIME_SDK,
  );
  const sdkSide = dependencyClosure(
    installedSdk.map((distribution) => ({ key: distribution.key, extras: [] })),
    distributions,
    environment,
  );
  for (const distribution of installedSdk) sdkSide.add(distribution.key);
  return [...sdkSide].filter((key) => !kept.has(key)).sort();
}
