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
  /** Live builds still QUEUED or PROCESSING, oldest first (recovery and the reaper's sweep). */
  listUnfinished(): Promise<BuildRecord[]>;
  /**
   * Gives `arch` a second builder after its builder `endedInstanceId` ended before
   * finishing: at most once per architecture of a build, atomically, and it restarts the
   * build's `updated_at`. 'granted' for the one call that recorded it; 'repeat' when that
   * same instance's end was handled already (EC2 reports shutting-down, then terminated);
   * 'used' when an earlier instance had the retry; 'final' when the build is gone or
   * finished, or that architecture is.
   */
  grantRetry(buildId: string, arch: Architecture, endedInstanceId: string, now: Date): Promise<RetryGrant>;
}

export type RetryGrant = 'granted' | 'repeat' | 'used' | 'final';

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

/** A builder instance of this deployment, as its tags and EC2 describe it. */
export interface BuilderInstance {
  instanceId: string;
  buildId: string;
  arch: Architecture;
  /** EC2's state name: pending, running, shutting-down, terminated, stopping, stopped. */
  state: string;
  launchedAt: Date;
}

/** The running builders, for the reaper. */
export interface BuilderFleet {
  /** The instance if it is one of this deployment's builders (Project, BuildId and Architecture tags). */
  describe(instanceId: string): Promise<BuilderInstance | undefined>;
  /** This deployment's builders that have not ended (pending, running, stopping, stopped). */
  listLive(): Promise<BuilderInstance[]>;
  terminate(instanceIds: readonly string[]): Promise<void>;
}
