import { z } from 'zod';
import { ARCHITECTURES, PYTHON_VERSIONS } from './runtime-catalog.js';

/** The public API contract (the seed's field names) and the stored build record. */

export const STRATEGIES = ['auto', 'wheels', 'container'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** `site-packages` = `python/lib/pythonX.Y/site-packages/` (the seed's); `python` = `python/`. */
export const LAYOUTS = ['site-packages', 'python'] as const;
export type Layout = (typeof LAYOUTS)[number];

export const BUILD_STATUSES = ['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

export const ARCH_STATUSES = ['QUEUED', 'BUILDING', 'COMPLETED', 'FAILED'] as const;
export type ArchStatus = (typeof ARCH_STATUSES)[number];

const supported = PYTHON_VERSIONS.join(', ');

export const pythonVersionSchema = z.enum(PYTHON_VERSIONS, {
  error: (issue) => `python_version must be one of ${supported} (got ${JSON.stringify(issue.input)})`,
});

export const architectureSchema = z.enum(ARCHITECTURES, {
  error: (issue) => `architecture must be x86_64 or arm64 (got ${JSON.stringify(issue.input)})`,
});

export const buildRequestSchema = z.object({
  requirements: z.string({ error: 'requirements must be the text of a requirements.txt' }),
  python_version: pythonVersionSchema,
  architectures: z
    .array(architectureSchema, { error: 'architectures must be a list such as ["x86_64", "arm64"]' })
    .min(1, { error: 'architectures must name at least one of x86_64, arm64' })
    .max(2)
    .refine((list) => new Set(list).size === list.length, { error: 'architectures lists one architecture twice' })
    .default(['x86_64']),
  single_file: z.boolean({ error: 'single_file must be true or false' }).default(true),
  strategy: z.enum(STRATEGIES, { error: `strategy must be one of ${STRATEGIES.join(', ')}` }).default('auto'),
  exclude_runtime_sdk: z.boolean().default(false),
  slim: z.boolean().default(false),
  layout: z.enum(LAYOUTS, { error: `layout must be one of ${LAYOUTS.join(', ')}` }).default('site-packages'),
  no_cache: z.boolean().default(false),
});
export type BuildRequestInput = z.input<typeof buildRequestSchema>;
export type BuildRequest = z.output<typeof buildRequestSchema>;

export interface PackageSize {
  name: string;
  version: string;
  size: number;
}

/** What one architecture's build produced, kept in the record and shown to the user. */
export interface ArchReport {
  architecture: (typeof ARCHITECTURES)[number];
  python_version: string;
  strategy_used: 'wheels' | 'container';
  platform_tags: string[];
  packages: PackageSize[];
  unzipped_size: number;
  zipped_size: number;
  largest_packages: PackageSize[];
  removed_packages: string[];
  warnings: string[];
}

export interface StoredFile {
  filename: string;
  /** Key in the artifact store. */
  key: string;
  architecture: (typeof ARCHITECTURES)[number];
  size: number;
  sha256: string;
}

export interface ArchState {
  status: ArchStatus;
  started_at?: string;
  finished_at?: string;
  error_message?: string;
  files: StoredFile[];
  report?: ArchReport;
}

export interface BuildRecord {
  build_id: string;
  status: BuildStatus;
  request: BuildRequest;
  /** Hash of the normalized request: identical requests share finished builds. */
  request_key: string;
  created_at: string;
  updated_at: string;
  completed_at?: string;
  /** Unix seconds after which the record and its files are gone (the seed's contract). */
  expires_at: number;
  error_message?: string;
  arches: Partial<Record<(typeof ARCHITECTURES)[number], ArchState>>;
}
