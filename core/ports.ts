import type { Architecture } from './runtime-catalog.js';
import type { ArchReport, BuildRecord, StoredFile } from './schemas.js';

/**
 * Ports: what the API, the worker and the builder need from the outside world. Each has
 * a local adapter (core/local) and an AWS adapter (core/aws) that behave the same.
 */

export interface BuildStore {
  /** Stores a new record; throws ConflictError if the id exists. */
  create(record: BuildRecord): Promise<void>;
  get(buildId: string): Promise<BuildRecord | undefined>;
  /** A COMPLETED, unexpired build made from the same request key, if any. */
  findReusable(requestKey: string, now: Date): Promise<BuildRecord | undefined>;
  /** QUEUED -> PROCESSING exactly once; false for every later or concurrent caller. */
  claim(buildId: string, now: Date): Promise<boolean>;
  startArchitecture(buildId: string, arch: Architecture, now: Date): Promise<BuildRecord>;
  completeArchitecture(
    buildId: string,
    arch: Architecture,
    result: { files: StoredFile[]; report: ArchReport },
    now: Date,
  ): Promise<BuildRecord>;
  failArchitecture(buildId: string, arch: Architecture, message: string, now: Date): Promise<BuildRecord>;
  failBuild(buildId: string, message: string, now: Date): Promise<BuildRecord>;
}

export interface BuildQueue {
  send(buildId: string): Promise<void>;
  /** Builds waiting or running, for the capacity limit; undefined when it cannot be read. */
  activeCount(): Promise<number | undefined>;
}

export interface ArtifactStore {
  /** Stores a file's bytes under `key`, reading from a path on this machine. */
  putFile(key: string, path: string, contentType: string): Promise<void>;
  /** A link that downloads `key` as `filename` until `expiresAt` and not after. */
  downloadUrl(key: string, filename: string, expiresAt: Date): Promise<string>;
}

/** Build logs, per architecture, readable while the build runs. */
export interface LogStore {
  /** Replaces the architecture's log with its whole text so far (S3 cannot append). */
  write(buildId: string, arch: Architecture, text: string): Promise<void>;
  read(buildId: string): Promise<Partial<Record<Architecture, string>>>;
}

/** Starts the builder for one architecture of a claimed build. */
export interface Launcher {
  launch(buildId: string, arch: Architecture): Promise<void>;
}
