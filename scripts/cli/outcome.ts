import type { Architecture } from '../../core/runtime-catalog.js';
import type { ArchReport } from '../../core/schemas.js';

/** What a build command ends with, the same whether it built here or through an API. */
export interface BuildOutcome {
  status: 'COMPLETED' | 'FAILED';
  build_id?: string;
  cached?: boolean;
  python_version: string;
  files: Array<{ filename: string; path: string; architecture: Architecture; size: number; sha256: string }>;
  failures: Partial<Record<Architecture, string>>;
  report: Partial<Record<Architecture, ArchReport>>;
  seconds: number;
}
