import type { MarkerEnvironment } from '../core/marker-environment.js';
import { evaluateMarker, parseMarker } from '../core/markers.js';
import { normalizeName, parseRequirements } from '../core/requirements.js';
import type { InstalledDistribution } from './installed-distributions.js';

/**
 * Who needs whom among the installed distributions, judged for the target runtime:
 * Requires-Dist markers (and the extras asked for) are evaluated in the target's
 * marker environment, as pip was told to.
 */
export interface Root {
  key: string;
  extras: string[];
}

/** What one distribution needs on the target, with the extras asked of each. */
export function dependenciesOf(distribution: InstalledDistribution, extras: string[], environment: MarkerEnvironment): Root[] {
  const dependencies: Root[] = [];
  for (const line of distribution.requires) {
    const [requirement] = parseRequirements(line).requirements;
    if (!requirement) continue;
    if (requirement.marker && !evaluateMarker(parseMarker(requirement.marker), environment, extras)) continue;
    dependencies.push({ key: requirement.key, extras: requirement.extras });
  }
  return dependencies;
}

/**
 * Keys of every installed distribution reachable from `roots`, never entering `stopAt`.
 */
export function dependencyClosure(
  roots: Root[],
  distributions: InstalledDistribution[],
  environment: MarkerEnvironment,
  stopAt: ReadonlySet<string> = new Set(),
): Set<string> {
  const byKey = new Map(distributions.map((distribution) => [distribution.key, distribution]));
  const seen = new Map<string, Set<string>>();
  const queue = roots.map((root) => ({ key: normalizeName(root.key), extras: root.extras }));
  while (queue.length > 0) {
    const { key, extras } = queue.shift()!;
    const distribution = byKey.get(key);
    if (!distribution || stopAt.has(key)) continue;
    const known = seen.get(key);
    const newExtras = extras.filter((extra) => !known?.has(extra));
    if (known && newExtras.length === 0) continue;
    const all = new Set([...(known ?? []), ...extras]);
    seen.set(key, all);
    queue.push(...dependenciesOf(distribution, [...all], environment));
  }
  return new Set(seen.keys());
}
