import type { ArtifactStore } from '../core/ports.js';
import type { Architecture } from '../core/runtime-catalog.js';
import type { ArchReport, ArchStatus, BuildRecord, BuildStatus } from '../core/schemas.js';

/** What GET /builds/{id} answers: the seed's fields, links that work, and the report. */
export interface BuildView {
  build_id: string;
  status: BuildStatus;
  python_version: string;
  architectures: Architecture[];
  single_file: boolean;
  strategy: string;
  created_at: string;
  expires_at: number;
  completed_at?: string;
  error_message?: string;
  files: Array<{ filename: string; download_url: string; architecture: Architecture; size: number; sha256: string }>;
  progress: Partial<Record<Architecture, { status: ArchStatus; started_at?: string; finished_at?: string; error_message?: string }>>;
  report: Partial<Record<Architecture, ArchReport>>;
}

export async function buildView(record: BuildRecord, artifacts: ArtifactStore): Promise<BuildView> {
  const expiresAt = new Date(record.expires_at * 1000);
  const files: BuildView['files'] = [];
  const progress: BuildView['progress'] = {};
  const report: BuildView['report'] = {};
  for (const arch of record.request.architectures) {
    const state = record.arches[arch];
    if (!state) continue;
    progress[arch] = {
      status: state.status,
      started_at: state.started_at,
      finished_at: state.finished_at,
      error_message: state.error_message,
    };
    if (state.report) report[arch] = state.report;
    for (const file of state.files) {
      files.push({
        filename: file.filename,
        download_url: await artifacts.downloadUrl(file.key, file.filename, expiresAt),
        architecture: file.architecture,
        size: file.size,
        sha256: file.sha256,
      });
    }
  }
  return {
    build_id: record.build_id,
    status: record.status,
    python_version: record.request.python_version,
    architectures: record.request.architectures,
    single_file: record.request.single_file,
    strategy: record.request.strategy,
    created_at: record.created_at,
    expires_at: record.expires_at,
    completed_at: record.completed_at,
    error_message: record.error_message,
    files,
    progress,
    report,
  };
}
