import type { MarkerEnvironment } from './marker-environment.js';
import { parseVersion, satisfiesClause } from './versions.js';

/**
 * PEP 508 environment markers: parsed once (so a bad marker is refused with its line),
 * evaluated against the TARGET runtime's environment.
 */

export const MARKER_VARIABLES = [
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
] as const;

const VERSION_VARIABLES = new Set(['python_version', 'python_full_version', 'implementation_version']);

type Operand = { kind: 'variable'; name: string } | { kind: 'literal'; value: string };
export type Marker =
  | { kind: 'compare'; left: Operand; op: string; right: Operand }
  | { kind: 'and' | 'or'; left: Marker; right: Marker };

export class MarkerSyntaxError extends Error {
  override name = 'MarkerSyntaxError';
}

const TOKEN = /\s*(\(|\)|'[^']*'|"[^"]*"|===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b|and\b|or\b|[A-Za-z_][A-Za-z0-9_.]*)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new MarkerSyntaxError(`unexpected text in marker at "${text.slice(start).trim()}"`);
    tokens.push(match[1]!.replace(/\s+/g, ' '));
  }
  return tokens;
}

export function parseMarker(text: string): Marker {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];

  const operand = (): Operand => {
    const token = next();
    if (token === undefined) throw new MarkerSyntaxError('marker ends too early');
    if (/^['"]/.test(token)) return { kind: 'literal', value: token.slice(1, -1) };
    if ((MARKER_VARIABLES as readonly string[]).includes(token)) return { kind: 'variable', name: token };
    throw new MarkerSyntaxError(`unknown marker variable "${token}"`);
  };
  const atom = (): Marker => {
    if (peek() === '(') {
      next();
      const inner = or();
      if (next() !== ')') throw new MarkerSyntaxError('missing ")" in marker');
      return inner;
    }
    const left = operand();
    const op = next();
    if (!op || !/^(===|==|!=|<=|>=|~=|<|>|in|not in)$/.test(op)) {
      throw new MarkerSyntaxError(`expected a comparison in marker, found "${op ?? 'end of line'}"`);
    }
    const right = operand();
    if (left.kind === right.kind) throw new MarkerSyntaxError('a marker compares a variable with a quoted value');
    return { kind: 'compare', left, op, right };
  };
  const and = (): Marker => {
    let left = atom();
    while (peek() === 'and') {
      next();
      left = { kind: 'and', left, right: atom() };
    }
    return left;
  };
  const or = (): Marker => {
    let left = and();
    while (peek() === 'or') {
      next();
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };

  const marker = or();
  if (position !== tokens.length) throw new MarkerSyntaxError(`unexpected "${tokens[position]}" in marker`);
  return marker;
}

export function evaluateMarker(marker: Marker, environment: MarkerEnvironment, extras: readonly string[] = []): boolean {
  if (marker.kind !== 'compare') {
    const left = evaluateMarker(marker.left, environment, extras);
    return marker.kind === 'and' ? left && evaluateMarker(marker.right, environment, extras) : left || evaluateMarker(marker.right, environment, extras);
  }

  const variable = marker.left.kind === 'variable' ? marker.left.name : (marker.right as { name: string }).name;
  if (variable === 'extra') {
    const literal = marker.left.kind === 'literal' ? marker.left.value : (marker.right as { value: string }).value;
    const present = extras.includes(literal.toLowerCase());
    return marker.op === '!=' ? !present : marker.op === '==' ? present : false;
  }
  const value = (operand: Operand) => (operand.kind === 'literal' ? operand.value : (environment[operand.name] ?? ''));
  const left = value(marker.left);
  const right = value(marker.right);
  switch (marker.op) {
    case 'in':
      return right.includes(left);
    case 'not in':
      return !right.includes(left);
  }
  if (marker.op === '==' || marker.op === '===' || marker.op === '!=') {
    if (marker.op !== '===' && VERSION_VARIABLES.has(variable)) return satisfiesClause(left, marker.op, right);
    return (left === right) === (marker.op !== '!=');
  }
  // PEP 508: PEP 440 ordering where both sides are versions, plain string order otherwise.
  if (parseVersion(left) && parseVersion(right)) return satisfiesClause(left, marker.op, right);
  const order = left < right ? -1 : left > right ? 1 : 0;
  const ordered: Record<string, boolean> = { '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 };
  return ordered[marker.op] ?? false;
}
