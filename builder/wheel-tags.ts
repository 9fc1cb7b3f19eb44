import {
  MACHINE_OF,
  allowedPlatformTags,
  type Architecture,
  type RuntimeInfo,
} from '../core/runtime-catalog.js';

/**
 * Wheel and sdist file names (PEP 427, PEP 625 and the legacy sdist forms) and the tag
 * policy the wheels strategy gives pip: the same set of tags pip derives from
 * `--implementation cp --python-version X.Y --abi cpXY --abi abi3 --abi none` plus one
 * `--platform` per allowed tag, so a file judged here fits exactly when pip would take it.
 */

export interface WheelTag {
  python: string;
  abi: string;
  platform: string;
}

export interface DistributionFilename {
  /** The project name as written in the file name (wheels write `-` as `_`). */
  name: string;
  version: string;
  kind: 'wheel' | 'sdist';
  /** Every tag of a wheel, compressed tag sets (`py2.py3`) expanded. */
  tags?: WheelTag[];
}

export interface TargetPlatform {
  runtime: RuntimeInfo;
  arch: Architecture;
}

const SDIST_SUFFIXES = ['.tar.gz', '.tgz', '.tar.bz2', '.tar.xz', '.zip', '.tar'];

/**
 * Reads a distribution file name; undefined for anything that is neither a wheel nor an
 * sdist (eggs, installers, stray files). Legacy sdist names are ambiguous
 * (`foo-bar-1.0.tar.gz`); pass the project name to split them the way pip does.
 */
export function parseDistributionFilename(filename: string, project?: string): DistributionFilename | undefined {
  if (filename.endsWith('.whl')) return parseWheelFilename(filename.slice(0, -'.whl'.length));
  const suffix = SDIST_SUFFIXES.find((candidate) => filename.toLowerCase().endsWith(candidate));
  if (!suffix) return undefined;
  const stem = filename.slice(0, -suffix.length);
  const split = project === undefined ? -1 : projectPrefixLength(stem, project);
  const at = split > 0 ? split : lastVersionHyphen(stem);
  if (at <= 0) return undefined;
  const version = stem.slice(at + 1);
  if (!/^v?\d/.test(version)) return undefined;
  return { name: stem.slice(0, at), version, kind: 'sdist' };
}

function parseWheelFilename(stem: string): DistributionFilename | undefined {
  const parts = stem.split('-');
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [name, version] = parts as [string, string];
  const [python, abi, platform] = parts.slice(-3) as [string, string, string];
  if (!name || !version || !python || !abi || !platform) return undefined;
  const tags: WheelTag[] = [];
  for (const p of python.split('.'))
    for (const a of abi.split('.'))
      for (const pl of platform.split('.')) tags.push({ python: p, abi: a, platform: pl });
  return { name, version, kind: 'wheel', tags };
}

function canonical(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Length of the stem's prefix that spells `project`, or -1. */
function projectPrefixLength(stem: string, project: string): number {
  const wanted = canonical(project);
  for (let at = stem.indexOf('-'); at > 0; at = stem.indexOf('-', at + 1)) {
    if (canonical(stem.slice(0, at)) === wanted) return at;
  }
  return -1;
}

function lastVersionHyphen(stem: string): number {
  for (let at = stem.lastIndexOf('-'); at > 0; at = stem.lastIndexOf('-', at - 1)) {
    if (/^v?\d/.test(stem.slice(at + 1))) return at;
  }
  return -1;
}

/**
 * The tags pip accepts for the target, as `python-abi-platform` strings, mirroring
 * packaging's `cpython_tags` + `compatible_tags` for an explicit interpreter, ABIs and
 * platforms: `cpXY-{cpXY,abi3,none}-P`, `cp3W-abi3-P` (W < Y), `py3W-none-P` and
 * `py3-none-P` (W <= Y), and `{cpXY,py3W,py3}-none-any`.
 */
export function supportedTags(target: TargetPlatform): Set<string> {
  const minor = Number(target.runtime.python_version.split('.')[1]);
  const interpreter = target.runtime.abi;
  const platforms = allowedPlatformTags(target.runtime, target.arch);
  const tags = new Set<string>();
  for (const platform of platforms) {
    for (const abi of [interpreter, 'abi3', 'none']) tags.add(`${interpreter}-${abi}-${platform}`);
    for (let older = minor - 1; older >= 2; older--) tags.add(`cp3${older}-abi3-${platform}`);
    for (let older = minor; older >= 0; older--) tags.add(`py3${older}-none-${platform}`);
    tags.add(`py3-none-${platform}`);
  }
  tags.add(`${interpreter}-none-any`);
  for (let older = minor; older >= 0; older--) tags.add(`py3${older}-none-any`);
  tags.add('py3-none-any');
  return tags;
}

/** Does any of a wheel's tags install on the target runtime and architecture? */
export function wheelFitsTarget(tags: readonly WheelTag[], target: TargetPlatform): boolean {
  const supported = supportedTags(target);
  return tags.some((tag) => supported.has(`${tag.python}-${tag.abi}-${tag.platform}`));
}

const MANYLINUX_LEGACY: Record<string, [number, number]> = {
  manylinux1: [2, 5],
  manylinux2010: [2, 12],
  manylinux2014: [2, 17],
};

/** The glibc and machine a manylinux platform tag asks for, or undefined for other tags. */
export function manylinuxRequirement(tag: string): { glibc: [number, number]; machine: string } | undefined {
  const modern = /^manylinux_(\d+)_(\d+)_(.+)$/.exec(tag);
  if (modern) return { glibc: [Number(modern[1]), Number(modern[2])], machine: modern[3]! };
  const legacy = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(tag);
  if (legacy) return { glibc: MANYLINUX_LEGACY[legacy[1]!]!, machine: legacy[2]! };
  return undefined;
}

/**
 * A short reason a user can read for what a platform tag demands, e.g. "needs glibc 2.28",
 * "macOS", "Windows", "musl", "aarch64 only". With a target, a Linux tag is judged
 * against it: the wrong machine reads "<machine> only", a glibc above the runtime's
 * "needs glibc 2.X"; a tag that fits reads "fits".
 */
export function explainPlatform(tag: string, target?: TargetPlatform): string {
  if (tag === 'any') return 'any platform';
  const manylinux = manylinuxRequirement(tag);
  if (manylinux) {
    const glibc = `glibc ${manylinux.glibc[0]}.${manylinux.glibc[1]}`;
    if (!target) return `Linux ${manylinux.machine}, needs ${glibc}`;
    if (manylinux.machine !== MACHINE_OF[target.arch]) return `${manylinux.machine} only`;
    const [major, minor] = target.runtime.glibc;
    const fits = manylinux.glibc[0] < major || (manylinux.glibc[0] === major && manylinux.glibc[1] <= minor);
    return fits ? 'fits' : `needs ${glibc}`;
  }
  const musl = /^musllinux_\d+_\d+_(.+)$/.exec(tag);
  if (musl) return `musl (${musl[1]})`;
  if (tag.startsWith('macosx_')) return 'macOS';
  if (tag.startsWith('win')) return 'Windows';
  if (tag.startsWith('ios_')) return 'iOS';
  if (tag.startsWith('android_')) return 'Android';
  const plainLinux = /^linux_(.+)$/.exec(tag);
  if (plainLinux) return `plain linux_${plainLinux[1]} (built for one machine, not manylinux)`;
  return `platform ${tag}`;
}
