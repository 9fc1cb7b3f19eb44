/**
 * The Lambda Python runtimes this product builds for, as data.
 *
 * Runtime -> OS -> glibc -> the wheel platform tags pip may install. pip does not widen
 * a `manylinux_2_X` tag to older ones, so every allowed tag is listed explicitly, newest
 * first. Dates are AWS's published deprecation schedule (ISO dates, UTC).
 */

export const PYTHON_VERSIONS = ['3.10', '3.11', '3.12', '3.13', '3.14'] as const;
export type PythonVersion = (typeof PYTHON_VERSIONS)[number];

export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Lambda calls it arm64; ELF, wheel tags and the seed's file names call it aarch64. */
export const MACHINE_OF: Record<Architecture, 'x86_64' | 'aarch64'> = {
  x86_64: 'x86_64',
  arm64: 'aarch64',
};

export interface RuntimeInfo {
  python_version: PythonVersion;
  /** Lambda's runtime identifier, e.g. `python3.13`. */
  runtime: string;
  os: 'Amazon Linux 2' | 'Amazon Linux 2023';
  /** glibc of the runtime's OS as [major, minor]. */
  glibc: readonly [number, number];
  /** A representative patch release, used for `python_full_version` markers. */
  python_full_version: string;
  /** CPython ABI tag, e.g. `cp313`. */
  abi: string;
  deprecation: { deprecated: string; block_create: string; block_update: string };
  /** Official SAM build image for the container strategy. */
  build_image: string;
}

const AL2 = { os: 'Amazon Linux 2', glibc: [2, 26] } as const;
const AL2023 = { os: 'Amazon Linux 2023', glibc: [2, 34] } as const;

function runtime(
  python_version: PythonVersion,
  base: typeof AL2 | typeof AL2023,
  python_full_version: string,
  deprecation: RuntimeInfo['deprecation'],
): RuntimeInfo {
  return {
    python_version,
    runtime: `python${python_version}`,
    ...base,
    python_full_version,
    abi: `cp${python_version.replace('.', '')}`,
    deprecation,
    build_image: `public.ecr.aws/sam/build-python${python_version}`,
  };
}

export const RUNTIMES: Readonly<Record<PythonVersion, RuntimeInfo>> = Object.freeze({
  '3.10': runtime('3.10', AL2, '3.10.19', {
    deprecated: '2026-10-31',
    block_create: '2026-11-30',
    block_update: '2027-01-15',
  }),
  '3.11': runtime('3.11', AL2, '3.11.14', {
    deprecated: '2027-06-30',
    block_create: '2027-07-31',
    block_update: '2027-08-31',
  }),
  '3.12': runtime('3.12', AL2023, '3.12.12', {
    deprecated: '2028-10-31',
    block_create: '2028-11-30',
    block_update: '2029-01-10',
  }),
  '3.13': runtime('3.13', AL2023, '3.13.9', {
    deprecated: '2029-06-30',
    block_create: '2029-07-31',
    block_update: '2029-08-31',
  }),
  '3.14': runtime('3.14', AL2023, '3.14.0', {
    deprecated: '2029-06-30',
    block_create: '2029-07-31',
    block_update: '2029-08-31',
  }),
});

export function isPythonVersion(value: unknown): value is PythonVersion {
  return typeof value === 'string' && (PYTHON_VERSIONS as readonly string[]).includes(value);
}

export function runtimeFor(version: PythonVersion): RuntimeInfo {
  return RUNTIMES[version];
}

export function glibcLabel(runtime: RuntimeInfo): string {
  return `glibc ${runtime.glibc[0]}.${runtime.glibc[1]}`;
}

/**
 * Every platform tag a wheel may carry to run on this runtime and architecture, newest
 * glibc first: manylinux_2_{max..17} plus the legacy aliases (manylinux2014 = 2_17;
 * manylinux2010 = 2_12 and manylinux1 = 2_5 exist only for x86_64).
 */
export function allowedPlatformTags(runtime: RuntimeInfo, arch: Architecture): string[] {
  const machine = MACHINE_OF[arch];
  const [, maxMinor] = runtime.glibc;
  const tags: string[] = [];
  for (let minor = maxMinor; minor >= 17; minor--) tags.push(`manylinux_2_${minor}_${machine}`);
  tags.push(`manylinux2014_${machine}`);
  if (machine === 'x86_64') {
    for (let minor = 16; minor >= 5; minor--) tags.push(`manylinux_2_${minor}_${machine}`);
    tags.push(`manylinux2010_${machine}`, `manylinux1_${machine}`);
  }
  return tags;
}

/** Deprecation state of a runtime on a given day, for warnings and the catalog. */
export function deprecationStage(
  runtime: RuntimeInfo,
  today: string,
): 'supported' | 'deprecated' | 'create_blocked' | 'update_blocked' {
  const { deprecated, block_create, block_update } = runtime.deprecation;
  if (today >= block_update) return 'update_blocked';
  if (today >= block_create) return 'create_blocked';
  if (today >= deprecated) return 'deprecated';
  return 'supported';
}
