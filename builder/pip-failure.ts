import { markerEnvironment } from '../core/marker-environment.js';
import { evaluateMarker, parseMarker } from '../core/markers.js';
import { normalizeName, type Requirement } from '../core/requirements.js';
import {
  MACHINE_OF,
  PYTHON_VERSIONS,
  RUNTIMES,
  glibcLabel,
  type Architecture,
  type PythonVersion,
  type RuntimeInfo,
} from '../core/runtime-catalog.js';
import { compareVersions, satisfiesSpecifier } from '../core/versions.js';
import { listDistributions, redactUrl, type DistributionFile } from './index-client.js';
import type { IndexOptions } from './pip-plan.js';
import { TIMEOUT_MARKER } from './run-pip.js';
import { explainPlatform, supportedTags, type TargetPlatform, type WheelTag } from './wheel-tags.js';

/**
 * Turns a failed pip run into a kind and a message a user can act on. For packages pip
 * found nothing for, the index is read to say why (a wheel that needs a newer glibc, only
 * an sdist, wheels for the other machine, a Python too old) and what would work (an
 * older version that has a fitting wheel, or a runtime whose OS the wheel fits).
 *
 * `packages` names (PEP 503 normalized) what the failure is about; for `no-fitting-wheel`
 * and `source-only` it is what the `auto` strategy hands to a container build.
 */

export type PipFailureKind =
  | 'no-fitting-wheel'
  | 'source-only'
  /** The index does not have the project, or no release matches the specifier. */
  | 'not-found'
  | 'version-conflict'
  | 'index-unreachable'
  | 'hash-mismatch'
  | 'timeout'
  | 'unknown';

export interface PipFailure {
  kind: PipFailureKind;
  packages: string[];
  message: string;
}

export interface PipFailureContext {
  runtime: RuntimeInfo;
  arch: Architecture;
  requirements: readonly Requirement[];
  index: IndexOptions;
  /** Index reader; a fake in tests that need no server. */
  listDistributions?: typeof listDistributions;
  /** pip was stopped by the build's time limit (also read from runPip's last output line). */
  timedOut?: boolean;
  lookupTimeoutMs?: number;
}

const ERROR_LINE = /^ERROR: (.*)$/gm;

export async function explainPipFailure(output: string, ctx: PipFailureContext): Promise<PipFailure> {
  if (ctx.timedOut || output.includes(TIMEOUT_MARKER)) return timeoutFailure(output);
  return (
    hashFailure(output) ??
    conflictFailure(output) ??
    insecureIndexFailure(output) ??
    (await missingFailure(output, ctx)) ??
    networkFailure(output, ctx) ??
    unknownFailure(output)
  );
}

function timeoutFailure(output: string): PipFailure {
  const last = [...output.matchAll(/^Collecting (\S+)/gm)].pop()?.[1];
  return {
    kind: 'timeout',
    packages: [],
    message: `pip did not finish within the build's time limit${last ? ` (it was working on ${last})` : ''}`,
  };
}

/** The indented lines that follow the first line matching `header`. */
function blockAfter(output: string, header: RegExp): string[] {
  const lines = output.split(/\r?\n/);
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) return [];
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line)) break;
    block.push(line.trim());
  }
  return block;
}

function unique(items: Iterable<string>): string[] {
  return [...new Set(items)];
}

function requirementName(text: string): string {
  return normalizeName(/^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(text)?.[0] ?? text);
}

function hashFailure(output: string): PipFailure | undefined {
  if (/THESE PACKAGES DO NOT MATCH THE HASHES/.test(output)) {
    const block = blockAfter(output, /THESE PACKAGES DO NOT MATCH THE HASHES/);
    const details: string[] = [];
    const packages: string[] = [];
    for (let i = 0; i < block.length; i++) {
      const pin = /^(\S+?==\S+) from /.exec(block[i]!)?.[1];
      if (!pin) continue;
      packages.push(requirementName(pin));
      const expected = /^Expected (\S+) (.+)$/.exec(block[i + 1] ?? '');
      const got = /^Got\s+(\S+)$/.exec(block[i + 2] ?? '');
      details.push(
        expected && got
          ? `${pin}: the requirements expect ${expected[1]} ${expected[2]!.split(/\s+or\s+/).join(' or ')}, the downloaded file has ${got[1]}`
          : `${pin}: the downloaded file does not match the --hash given`,
      );
    }
    return {
      kind: 'hash-mismatch',
      packages: unique(packages),
      message: `${details.join('; ') || 'a downloaded file does not match its --hash'}. Update the --hash values if the versions changed; otherwise the files may have been tampered with.`,
    };
  }
  if (/Hashes are required in --require-hashes mode/.test(output)) {
    const missing = blockAfter(output, /Hashes are required in --require-hashes mode/).filter((line) => /--hash=/.test(line));
    return {
      kind: 'hash-mismatch',
      packages: unique(missing.map(requirementName)),
      message:
        'a requirement has --hash, which makes pip check every package, dependencies included, and these have none: ' +
        `${missing.join('; ') || '(see the build log)'}. Add them to the requirements with ==version and --hash, or drop --hash everywhere.`,
    };
  }
  if (/In --require-hashes mode, all requirements must have their versions pinned/.test(output)) {
    const unpinned = blockAfter(output, /In --require-hashes mode, all requirements must have their versions pinned/).map(
      (line) => line.split(/\s+from\s+/)[0] ?? line,
    );
    return {
      kind: 'hash-mismatch',
      packages: unique(unpinned.map(requirementName)),
      message: `a requirement has --hash, so every package must be pinned with ==; these are not: ${unpinned.join(', ')}`,
    };
  }
  return undefined;
}

function conflictFailure(output: string): PipFailure | undefined {
  if (!/ResolutionImpossible|conflicting dependencies/.test(output)) return undefined;
  const causes = blockAfter(output, /^The conflict is caused by:/);
  const packages: string[] = [];
  for (const cause of causes) {
    const depends = /^(\S+) \S+ depends on (\S+)/.exec(cause);
    if (depends) packages.push(requirementName(depends[1]!), requirementName(depends[2]!));
    const requested = /^The user requested (\S+)/.exec(cause);
    if (requested) packages.push(requirementName(requested[1]!));
  }
  return {
    kind: 'version-conflict',
    packages: unique(packages),
    message: causes.length
      ? `the requirements cannot be installed together: ${causes.join('; ')}. Loosen or change the pins of these packages.`
      : 'the requirements cannot be installed together (pip reports conflicting dependencies); loosen or change the pins.',
  };
}

const CONNECTION_PROBLEM =
  /after connection broken by '(?:\w+)\([^:]*: (?:Failed to establish a new connection: )?([^']*)'\)'|Could not fetch URL (\S+): (.*)|Max retries exceeded with url: .*\((?:Caused by )?\w+\([^:]*: ([^)]*)\)|Read timed out/;

function insecureIndexFailure(output: string): PipFailure | undefined {
  const insecure = /The repository located at (\S+) is not a trusted or secure host and is being ignored/.exec(output);
  if (!insecure) return undefined;
  return {
    kind: 'index-unreachable',
    packages: [],
    message: `pip ignored the package index at ${insecure[1]} because it is plain http; the operator should serve it over https`,
  };
}

/** pip's own words on a connection problem, when it printed any (it does while retrying). */
function connectionProblem(output: string): string | undefined {
  const problem = CONNECTION_PROBLEM.exec(output);
  if (!problem) return undefined;
  return (problem[1] ?? problem[3] ?? problem[4] ?? 'read timed out').trim();
}

function networkFailure(output: string, ctx: PipFailureContext): PipFailure | undefined {
  const reason = connectionProblem(output);
  if (!reason) return undefined;
  return { kind: 'index-unreachable', packages: [], message: `could not reach the package index (${indexList(ctx)}): ${reason}` };
}

function indexList(ctx: PipFailureContext): string {
  return [ctx.index.indexUrl, ...ctx.index.extraIndexUrls].map(redactUrl).join(', ');
}

interface Missing {
  /** What pip asked for, e.g. `pkg==2.0`. */
  text: string;
  key: string;
  name: string;
  specifier: string;
  /** The package that depends on it, when it is not a top-level requirement. */
  neededBy?: string;
}

function missingRequirements(output: string, ctx: PipFailureContext): Missing[] {
  const neededBy = new Map<string, string>();
  for (const match of output.matchAll(/Could not find a version that satisfies the requirement (\S+) \(from ([^)]+)\)/g)) {
    neededBy.set(match[1]!, match[2]!);
  }
  const missing: Missing[] = [];
  for (const match of output.matchAll(/No matching distribution found for (\S+)/g)) {
    const text = match[1]!;
    const parsed = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?(.*)$/.exec(text);
    if (!parsed) continue;
    const key = normalizeName(parsed[1]!);
    const requested = ctx.requirements.find((requirement) => requirement.key === key);
    missing.push({
      text: requested ? `${requested.name}${requested.specifier}` : text,
      key,
      name: requested?.name ?? parsed[1]!,
      specifier: requested?.specifier ?? parsed[2]!.split(';')[0]!.trim(),
      neededBy: requested ? undefined : neededBy.get(text),
    });
  }
  return missing.filter((item, index) => missing.findIndex((other) => other.key === item.key) === index);
}

type Lookup = { files: DistributionFile[] } | { unknown: true } | { unreachable: string };

async function lookUp(project: string, ctx: PipFailureContext): Promise<Lookup> {
  const list = ctx.listDistributions ?? listDistributions;
  const results = await Promise.all(
    [ctx.index.indexUrl, ...ctx.index.extraIndexUrls].map((url) =>
      list(url, project, { timeoutMs: ctx.lookupTimeoutMs }).then(
        (files) => ({ files }),
        (error: unknown) => ({ error }),
      ),
    ),
  );
  const files = results.flatMap((result) => ('files' in result && result.files) || []);
  const known = results.some((result) => 'files' in result && result.files !== undefined);
  const failed = results.find((result): result is { error: unknown } => 'error' in result);
  if (known) return { files };
  if (failed) return { unreachable: failed.error instanceof Error ? failed.error.message : String(failed.error) };
  return { unknown: true };
}

function requiresPythonAllows(file: DistributionFile, runtime: RuntimeInfo): boolean {
  return !file.requiresPython || satisfiesSpecifier(runtime.python_full_version, file.requiresPython);
}

function fits(file: DistributionFile, target: TargetPlatform, supported = supportedTags(target)): boolean {
  return (
    file.kind === 'wheel' &&
    requiresPythonAllows(file, target.runtime) &&
    (file.tags ?? []).some((tag) => supported.has(`${tag.python}-${tag.abi}-${tag.platform}`))
  );
}

function newestFirst(versions: Iterable<string>): string[] {
  return unique(versions).sort((a, b) => compareVersions(b, a));
}

function interpreterFits(tag: WheelTag, supported: Set<string>): boolean {
  const prefix = `${tag.python}-${tag.abi}-`;
  for (const entry of supported) if (entry.startsWith(prefix)) return true;
  return false;
}

/** What each wheel of one release is for, judged against the target. */
function describeWheels(wheels: DistributionFile[], target: TargetPlatform): string {
  const supported = supportedTags(target);
  const descriptions = wheels.flatMap((wheel) => {
    const tags = wheel.tags ?? [];
    return tags.filter((tag) => interpreterFits(tag, supported)).map((tag) => `${tag.platform} (${explainPlatform(tag.platform, target)})`);
  });
  if (descriptions.length) return unique(descriptions).join(', ');
  // No wheel is built for this interpreter at all: name the interpreters there are.
  const interpreters = wheels.flatMap((wheel) => (wheel.tags ?? []).map((tag) => `${tag.python}-${tag.abi}`));
  return unique(interpreters).map((pair) => `${pair} (not ${target.runtime.abi})`).join(', ');
}

function runtimeSuggestion(versions: PythonVersion[], project: string, release: string): string | undefined {
  const lowest = versions[0];
  if (!lowest) return undefined;
  const runtime = RUNTIMES[lowest];
  const allAbove = PYTHON_VERSIONS.filter((version) => compareVersions(version, lowest) >= 0).every((version) =>
    versions.includes(version),
  );
  const label = versions.length === 1 ? `python ${lowest}` : allAbove ? `python ${lowest}+` : `python ${versions.join(', ')}`;
  return `${label} (${runtime.os}, ${glibcLabel(runtime)}) can use ${project} ${release}`;
}

interface Explained {
  kind: 'no-fitting-wheel' | 'source-only' | 'not-found' | 'unknown';
  message: string;
}

function explainMissing(missing: Missing, files: DistributionFile[], ctx: PipFailureContext): Explained {
  const target: TargetPlatform = { runtime: ctx.runtime, arch: ctx.arch };
  const { runtime, arch } = ctx;
  const name = missing.name;
  const subject = missing.neededBy ? `${missing.text} (needed by ${missing.neededBy})` : missing.text;
  const exactPin = /^===?[^,]*$/.test(missing.specifier);
  const candidates = files.filter(
    (file) => satisfiesSpecifier(file.version, missing.specifier) && (file.yanked === undefined || exactPin),
  );
  const supported = supportedTags(target);
  const fittingRelease = newestFirst(files.filter((file) => file.yanked === undefined && fits(file, target, supported)).map((file) => file.version))[0];
  const fittingAdvice = fittingRelease ? `${name} ${fittingRelease} has a fitting wheel (pin ${name}==${fittingRelease})` : undefined;

  if (candidates.length === 0) {
    const available = newestFirst(files.map((file) => file.version));
    const versions = available.length ? `the index has ${available.slice(0, 10).join(', ')}${available.length > 10 ? ', ...' : ''}` : 'the index lists no files for it';
    return {
      kind: 'not-found',
      message: `${subject}: no release of ${name} matches "${missing.specifier}" (${versions})${fittingAdvice ? `; ${fittingAdvice}` : ''}.`,
    };
  }

  const release = newestFirst(candidates.map((file) => file.version))[0]!;
  const ofRelease = candidates.filter((file) => file.version === release);
  const where = `${runtime.runtime} on ${arch}`;
  const platformFacts = `${runtime.runtime} runs on ${runtime.os} (${glibcLabel(runtime)})`;

  if (candidates.some((file) => fits(file, target, supported))) {
    return { kind: 'unknown', message: `${subject}: pip found no installable file, although ${name} ${release} lists a wheel for ${where}; see the build log.` };
  }

  const pythonBlocked = ofRelease.filter((file) => !requiresPythonAllows(file, runtime));
  if (pythonBlocked.length === ofRelease.length) {
    const needs = unique(pythonBlocked.map((file) => file.requiresPython ?? '')).join(' or ');
    return {
      kind: 'no-fitting-wheel',
      message: `${subject}: ${name} ${release} requires Python ${needs}, and the target is ${runtime.runtime}${fittingAdvice ? `; ${fittingAdvice}` : ''}.`,
    };
  }

  const wheels = candidates.filter((file) => file.kind === 'wheel');
  const sdists = ofRelease.filter((file) => file.kind === 'sdist');
  if (wheels.length === 0) {
    const sources = unique(candidates.filter((file) => file.kind === 'sdist').map((file) => file.filename));
    const shown = sources.slice(0, 3).join(', ') + (sources.length > 3 ? ', ...' : '');
    return {
      kind: 'source-only',
      message:
        `${name} has no wheel for ${where} (only the source distribution${sources.length > 1 ? 's' : ''} ${shown}); ` +
        `the wheels strategy does not compile source distributions: use the container strategy (it builds them in ${runtime.build_image}) ` +
        `or pin a version that has a wheel${fittingAdvice ? ` (${fittingAdvice})` : ''}.`,
    };
  }

  // The newest release that has wheels at all: its wheels say what the project builds for.
  const wheelRelease = newestFirst(wheels.map((file) => file.version))[0]!;
  const otherArch = (Object.keys(MACHINE_OF) as Architecture[]).find((candidate) => candidate !== arch);
  const fitsOtherArch = otherArch !== undefined && wheels.some((file) => fits(file, { runtime, arch: otherArch }));
  const facts: string[] = [`${subject}: no wheel of ${name} ${release} fits ${where}.`];
  if (fitsOtherArch && otherArch) {
    facts.push(`${name} has wheels for ${MACHINE_OF[otherArch]} only (no ${MACHINE_OF[arch]} wheel); ${platformFacts}.`);
  } else {
    const described = describeWheels(wheels.filter((file) => file.version === wheelRelease), target);
    facts.push(`${platformFacts}; ${name} ${wheelRelease} has wheels only for ${described}.`);
  }

  const suggestions: string[] = [];
  if (fittingAdvice) suggestions.push(fittingAdvice);
  const runtimes = PYTHON_VERSIONS.filter(
    (version) => version !== runtime.python_version && ofRelease.some((file) => fits(file, { runtime: RUNTIMES[version], arch })),
  );
  const otherRuntime = runtimeSuggestion(runtimes, name, release);
  if (otherRuntime) suggestions.push(otherRuntime);
  if (sdists.length) suggestions.push(`the container strategy can build ${name} ${release} from ${sdists[0]!.filename}`);
  facts.push(
    suggestions.length
      ? `What would work: ${suggestions.join(', or ')}.`
      : `No Lambda Python runtime on ${arch} can use a wheel of ${name} ${release}.`,
  );
  return { kind: 'no-fitting-wheel', message: facts.join(' ') };
}

async function missingFailure(output: string, ctx: PipFailureContext): Promise<PipFailure | undefined> {
  const missing = missingRequirements(output, ctx);
  if (missing.length === 0) return undefined;
  const explained: Array<Explained & { key: string }> = [];
  for (const item of missing) {
    const lookup = await lookUp(item.name, ctx);
    if ('unreachable' in lookup) {
      const pipSays = connectionProblem(output);
      return {
        kind: 'index-unreachable',
        packages: [],
        message: `could not read the package index (${indexList(ctx)}) to find ${item.text}: ${pipSays ?? lookup.unreachable}`,
      };
    }
    if ('unknown' in lookup) {
      const indexes = indexList(ctx);
      const neededBy = item.neededBy ? ` (needed by ${item.neededBy})` : '';
      explained.push({ key: item.key, kind: 'not-found', message: `${item.name}${neededBy} is not on the package index (${indexes}); check the name.` });
      continue;
    }
    explained.push({ key: item.key, ...explainMissing(item, lookup.files, ctx) });
  }
  const kinds = new Set(explained.map((item) => item.kind));
  const kind = kinds.has('not-found')
    ? 'not-found'
    : kinds.has('no-fitting-wheel')
      ? 'no-fitting-wheel'
      : kinds.has('source-only')
        ? 'source-only'
        : 'unknown';
  const packages = explained.map((item) => item.key);
  const messages = explained.map((item) => item.message);
  if (kind === 'no-fitting-wheel' || kind === 'source-only') {
    // pip stops at the first package it cannot install; name the others now, not one rebuild at a time.
    const others = await otherRequirementsWithoutWheels(ctx, new Set(packages));
    if (others.length > 0) {
      packages.push(...others.map((requirement) => requirement.key));
      const names = others.map((requirement) => `${requirement.name}${requirement.specifier}`).join(', ');
      messages.push(`Also without a fitting wheel for ${ctx.runtime.runtime} on ${ctx.arch}: ${names}.`);
    }
  }
  return { kind, packages, message: messages.join('\n') };
}

const MAX_OTHER_LOOKUPS = 50;

/** Top-level requirements (for this target) of which no release allowed by their specifier has a wheel that fits. */
async function otherRequirementsWithoutWheels(ctx: PipFailureContext, skip: ReadonlySet<string>): Promise<Requirement[]> {
  const target: TargetPlatform = { runtime: ctx.runtime, arch: ctx.arch };
  const supported = supportedTags(target);
  const environment = markerEnvironment(ctx.runtime, ctx.arch);
  const candidates = ctx.requirements
    .filter((requirement) => !skip.has(requirement.key))
    .filter((requirement) => !requirement.marker || evaluateMarker(parseMarker(requirement.marker), environment))
    .slice(0, MAX_OTHER_LOOKUPS);
  const verdicts = await Promise.all(
    candidates.map(async (requirement) => {
      const lookup = await lookUp(requirement.name, ctx);
      if (!('files' in lookup)) return false;
      const allowed = lookup.files.filter((file) => file.yanked === undefined && satisfiesSpecifier(file.version, requirement.specifier));
      return allowed.length > 0 && !allowed.some((file) => fits(file, target, supported));
    }),
  );
  return candidates.filter((_, index) => verdicts[index]);
}

function unknownFailure(output: string): PipFailure {
  const errors = [...output.matchAll(ERROR_LINE)].map((match) => match[1]!.trim());
  const tail = errors.length ? errors.slice(-5) : output.trim().split(/\r?\n/).slice(-5);
  return { kind: 'unknown', packages: [], message: `pip failed: ${tail.join(' | ') || 'no output'}` };
}
