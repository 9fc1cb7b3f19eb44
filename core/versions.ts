/**
 * Just enough of PEP 440 to order release numbers and judge specifiers such as
 * `>=1,<2`, `==1.0.*` and `~=2.1`: release segments compare numerically; a pre-release
 * (a, b, rc, dev) sorts before its release and a post-release after it.
 */

interface ParsedVersion {
  release: number[];
  /** -1 for dev/pre-releases, 0 for a final release, 1 for post-releases. */
  phase: number;
  phaseNumber: number;
}

const VERSION = /^v?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview|post|rev|r|dev)[-_.]?(\d*))?.*$/i;

export function parseVersion(text: string): ParsedVersion | undefined {
  const match = VERSION.exec(text.trim().replace(/^\d+!/, ''));
  if (!match) return undefined;
  const release = match[1]!.split('.').map(Number);
  const label = (match[2] ?? '').toLowerCase();
  const phase = label === '' ? 0 : ['post', 'rev', 'r'].includes(label) ? 1 : -1;
  return { release, phase, phaseNumber: Number(match[3] || 0) };
}

export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (!left || !right) return a < b ? -1 : a > b ? 1 : 0;
  const length = Math.max(left.release.length, right.release.length);
  for (let i = 0; i < length; i++) {
    const diff = (left.release[i] ?? 0) - (right.release[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  if (left.phase !== right.phase) return Math.sign(left.phase - right.phase);
  return Math.sign(left.phaseNumber - right.phaseNumber);
}

/** Does `version` satisfy one clause such as `>=1.2` or `==2.*`? */
export function satisfiesClause(version: string, operator: string, wanted: string): boolean {
  if (operator === '===') return version === wanted;
  if ((operator === '==' || operator === '!=') && wanted.endsWith('.*')) {
    const prefix = wanted.slice(0, -2).split('.');
    const release = parseVersion(version)?.release ?? [];
    const matches = prefix.every((part, i) => Number(part) === (release[i] ?? 0));
    return operator === '==' ? matches : !matches;
  }
  const order = compareVersions(version, wanted);
  switch (operator) {
    case '==':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '~=': {
      const parts = wanted.split('.');
      const prefix = parts.slice(0, Math.max(1, parts.length - 1)).join('.');
      return order >= 0 && satisfiesClause(version, '==', `${prefix}.*`);
    }
    default:
      return false;
  }
}

export const SPECIFIER_CLAUSE = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*([A-Za-z0-9][A-Za-z0-9.*+!_-]*)\s*$/;

/** Does `version` satisfy a whole specifier such as `>=1,<2`? An empty one allows all. */
export function satisfiesSpecifier(version: string, specifier: string): boolean {
  if (specifier.trim() === '') return true;
  return specifier.split(',').every((clause) => {
    const match = SPECIFIER_CLAUSE.exec(clause);
    return match ? satisfiesClause(version, match[1]!, match[2]!) : false;
  });
}
