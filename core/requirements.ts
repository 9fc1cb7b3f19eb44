import { MarkerSyntaxError, parseMarker } from './markers.js';
import { SPECIFIER_CLAUSE } from './versions.js';

/**
 * Reads a user's requirements.txt as data. Accepts what pins packages from the
 * operator's index (names, extras, specifiers, markers, per-line `--hash`), refuses with
 * the line number everything that points pip elsewhere or changes how pip runs.
 */

export const REQUIREMENTS_MAX_BYTES = 64 * 1024;
export const REQUIREMENTS_MAX_LINES = 1000;
export const REQUIREMENTS_MAX_PACKAGES = 300;

export interface Requirement {
  /** 1-based line where the requirement starts. */
  line: number;
  name: string;
  /** PEP 503 normalized name (`PyYAML` -> `pyyaml`). */
  key: string;
  extras: string[];
  /** Comma-separated clauses, e.g. `>=1,<2`; empty when unpinned. */
  specifier: string;
  marker?: string;
  hashes: string[];
}

export interface RequirementIssue {
  line: number;
  message: string;
}

export interface ParsedRequirements {
  requirements: Requirement[];
  issues: RequirementIssue[];
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** One line per requirement in a canonical form pip reads the same way. */
export function formatRequirement(requirement: Requirement): string {
  const extras = requirement.extras.length ? `[${requirement.extras.join(',')}]` : '';
  const marker = requirement.marker ? ` ; ${requirement.marker}` : '';
  const hashes = requirement.hashes.map((hash) => ` --hash=${hash}`).join('');
  return `${requirement.name}${extras}${requirement.specifier}${marker}${hashes}`;
}

const OPTION_ADVICE: Record<string, string> = {
  '-r': 'includes another requirements file; paste its lines here instead',
  '--requirement': 'includes another requirements file; paste its lines here instead',
  '-c': 'includes a constraints file; pin the versions on the lines themselves',
  '--constraint': 'includes a constraints file; pin the versions on the lines themselves',
  '-e': 'installs an editable project; only packages from the package index can be built',
  '--editable': 'installs an editable project; only packages from the package index can be built',
  '-i': 'changes the package index, which is set by the operator of this service',
  '--index-url': 'changes the package index, which is set by the operator of this service',
  '--extra-index-url': 'adds a package index; the indexes are set by the operator of this service',
  '--no-index': 'turns the package index off; the indexes are set by the operator of this service',
  '-f': 'points pip at other download locations; only the operator\'s index is used',
  '--find-links': 'points pip at other download locations; only the operator\'s index is used',
  '--trusted-host': 'turns off TLS checks for a host; not accepted',
};

const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;
const EXTRAS = /^\[\s*([A-Za-z0-9._-]+(?:\s*,\s*[A-Za-z0-9._-]+)*)?\s*\]/;
const HASH = /^--hash[=\s]\s*(sha256|sha384|sha512):([0-9a-fA-F]+)$/;

/** Joins `\` continuations, keeping the line number where each logical line starts. */
function logicalLines(text: string): Array<{ line: number; text: string }> {
  const physical = text.split(/\r\n|\r|\n/);
  const lines: Array<{ line: number; text: string }> = [];
  let current: { line: number; text: string } | undefined;
  physical.forEach((raw, index) => {
    const continued = /\\$/.test(raw);
    const part = continued ? raw.slice(0, -1) : raw;
    if (current) current.text += ` ${part}`;
    else current = { line: index + 1, text: part };
    if (!continued) {
      lines.push(current);
      current = undefined;
    }
  });
  if (current) lines.push(current);
  return lines;
}

function stripComment(text: string): string {
  return text.replace(/(^|\s)#.*$/, '').trim();
}

function looksLikeLocationOrUrl(text: string): string | undefined {
  if (/^(git|hg|svn|bzr)\+/i.test(text)) return 'is a version-control link';
  if (/:\/\//.test(text) || /^file:/i.test(text)) return 'is a URL';
  if (/(^|[^=<>!~])@\s*\S/.test(text) && !/^[^;]*;.*@/.test(text)) return 'is a direct URL reference (name @ url)';
  if (/^(\.{1,2}[\\/]|[\\/]|~|[A-Za-z]:[\\/])/.test(text) || text === '.' || text === '..') return 'is a local path';
  if (/\.(whl|zip|tar\.gz|tgz|tar\.bz2|tar\.xz|tar)$/i.test(text.split(/\s|;/)[0] ?? '')) return 'is a local archive';
  return undefined;
}

function parseRequirementLine(line: number, text: string): Requirement | RequirementIssue {
  const refuse = (message: string): RequirementIssue => ({ line, message });
  const location = looksLikeLocationOrUrl(text);
  if (location) return refuse(`"${shorten(text)}" ${location}; only package names from the package index are accepted`);

  // Per-line options follow the requirement: only --hash is allowed.
  const hashes: string[] = [];
  const optionStart = text.search(/\s--?[A-Za-z]/);
  let body = text;
  if (optionStart >= 0) {
    body = text.slice(0, optionStart).trim();
    const options = text.slice(optionStart).trim().split(/\s+(?=--?[A-Za-z])/);
    for (const option of options) {
      const hash = HASH.exec(option);
      if (hash) hashes.push(`${hash[1]}:${hash[2]!.toLowerCase()}`);
      else return refuse(`option "${shorten(option)}" is not accepted on a requirement line (only --hash=sha256:...)`);
    }
  }

  const [requirementPart = '', ...markerParts] = body.split(';');
  const markerText = markerParts.join(';').trim();
  let rest = requirementPart.trim();
  const name = NAME.exec(rest)?.[1];
  if (!name) return refuse(`"${shorten(text)}" is not a package requirement (expected a name such as "requests>=2")`);
  rest = rest.slice(name.length).trim();

  let extras: string[] = [];
  if (rest.startsWith('[')) {
    const match = EXTRAS.exec(rest);
    if (!match) return refuse(`extras of "${name}" are malformed (expected "${name}[extra1,extra2]")`);
    extras = (match[1] ?? '').split(',').map((extra) => normalizeName(extra.trim())).filter(Boolean);
    rest = rest.slice(match[0].length).trim();
  }

  if (rest !== '' && !/^[[(<>=!~]/.test(rest)) {
    return refuse(`"${shorten(requirementPart.trim())}" is not a valid package name (letters, digits, ".", "-" and "_", starting and ending with a letter or digit)`);
  }
  if (rest.startsWith('(') && rest.endsWith(')')) rest = rest.slice(1, -1).trim();
  const clauses = rest === '' ? [] : rest.split(',');
  const normalizedClauses: string[] = [];
  for (const clause of clauses) {
    const match = SPECIFIER_CLAUSE.exec(clause);
    if (!match || !wildcardAllowed(match[1]!, match[2]!)) return refuse(`version specifier "${shorten(clause.trim() || rest)}" of "${name}" is not valid (expected e.g. "==1.2.3" or ">=1,<2")`);
    normalizedClauses.push(`${match[1]}${match[2]}`);
  }

  let marker: string | undefined;
  if (markerParts.length) {
    if (!markerText) return refuse(`"${name}" has ";" but no environment marker after it`);
    try {
      parseMarker(markerText);
    } catch (error) {
      if (error instanceof MarkerSyntaxError) return refuse(`environment marker of "${name}" is not valid: ${error.message}`);
      throw error;
    }
    marker = markerText;
  }

  return { line, name, key: normalizeName(name), extras, specifier: normalizedClauses.join(','), marker, hashes };
}

/** PEP 440: `*` only as a trailing `.*` after `==` or `!=`. */
function wildcardAllowed(operator: string, version: string): boolean {
  if (!version.includes('*')) return true;
  return (operator === '==' || operator === '!=') && /^[^*]*\.\*$/.test(version);
}

function shorten(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function parseRequirements(text: string): ParsedRequirements {
  const issues: RequirementIssue[] = [];
  const requirements: Requirement[] = [];
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > REQUIREMENTS_MAX_BYTES) {
    return { requirements, issues: [{ line: 0, message: `requirements are ${bytes} bytes; the limit is ${REQUIREMENTS_MAX_BYTES}` }] };
  }
  // A final newline ends the last line; it does not start another.
  const lineCount = text.replace(/(\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/).length;
  if (lineCount > REQUIREMENTS_MAX_LINES) {
    return {
      requirements,
      issues: [{ line: REQUIREMENTS_MAX_LINES + 1, message: `requirements have ${lineCount} lines; the limit is ${REQUIREMENTS_MAX_LINES}` }],
    };
  }
  if (text.includes('\0')) return { requirements, issues: [{ line: 0, message: 'requirements contain a NUL byte' }] };

  for (const { line, text: raw } of logicalLines(text)) {
    const content = stripComment(raw);
    if (!content) continue;
    if (content.startsWith('-')) {
      const option = /^(--?[A-Za-z-]+)/.exec(content)?.[1] ?? content;
      const advice = OPTION_ADVICE[option] ?? 'is a pip option; pip options are set by the operator of this service';
      issues.push({ line, message: `"${shorten(option)}" ${advice}` });
      continue;
    }
    const parsed = parseRequirementLine(line, content);
    if ('message' in parsed) issues.push(parsed);
    else requirements.push(parsed);
  }
  if (issues.length === 0 && requirements.length === 0) {
    issues.push({ line: 0, message: 'no package is named (only blank lines and comments)' });
  }
  if (requirements.length > REQUIREMENTS_MAX_PACKAGES) {
    issues.push({ line: requirements[REQUIREMENTS_MAX_PACKAGES]!.line, message: `more than ${REQUIREMENTS_MAX_PACKAGES} requirements; the limit is ${REQUIREMENTS_MAX_PACKAGES}` });
  }
  return { requirements, issues };
}
