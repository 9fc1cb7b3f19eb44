import * as pulumi from '@pulumi/pulumi';
import { createHash } from 'node:crypto';
import { bundleLambda, type LambdaBundle } from './lambda-bundle.js';

const bundles = new Map<string, Promise<LambdaBundle>>();

/** The esbuild bundle of `entry` (a path from the project root), built once per program run. */
export function bundle(entry: string, opts: { includeAwsSdk?: boolean } = {}): Promise<LambdaBundle> {
  const key = `${entry}\n${opts.includeAwsSdk === true}`;
  let pending = bundles.get(key);
  if (!pending) {
    pending = bundleLambda(entry, opts);
    bundles.set(key, pending);
  }
  return pending;
}

/**
 * A Lambda code archive built by the program itself: `entry` bundled by esbuild into one
 * `index.mjs` (handler `index.handler`). No build step runs before `pulumi up`; the same
 * sources give the same bundle, so an unchanged function is not updated.
 */
export function lambdaArchive(entry: string): pulumi.Output<pulumi.asset.Archive> {
  return pulumi
    .output(bundle(entry))
    .apply((b) => new pulumi.asset.AssetArchive({ 'index.mjs': new pulumi.asset.StringAsset(b.code) }));
}

/** The first 16 hex digits of the SHA-256 of a bundle: names a stored bundle by its content. */
export function contentHash(code: string): string {
  return createHash('sha256').update(code).digest('hex').slice(0, 16);
}
