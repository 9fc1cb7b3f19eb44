import type { Architecture } from './runtime-catalog.js';
import type { ArchReport, BuildRecord, BuildRequest, StoredFile } from './schemas.js';

/**
 * The build state machine as pure functions. A build is QUEUED until claimed, PROCESSING
 * while any architecture works, COMPLETED only when every requested architecture has its
 * files, FAILED as soon as one architecture fails (the first failure's message wins).
 * Stores apply these transitions atomically.
 */

export function newBuildRecord(args: {
  buildId: string;
  request: BuildRequest;
  requestKey: string;
  now: Date;
  ttlSeconds: number;
}): BuildRecord {
  const createdAt = args.now.toISOString();
  return {
    build_id: args.buildId,
    status: 'QUEUED',
    request: args.request,
    request_key: args.requestKey,
    created_at: createdAt,
    updated_at: createdAt,
    expires_at: Math.floor(args.now.getTime() / 1000) + args.ttlSeconds,
    arches: Object.fromEntries(args.request.architectures.map((arch) => [arch, { status: 'QUEUED', files: [] }])),
  };
}

export function isFinal(record: BuildRecord): boolean {
  return record.status === 'COMPLETED' || record.status === 'FAILED';
}

export function claimBuild(record: BuildRecord, now: Date): BuildRecord | undefined {
  if (record.status !== 'QUEUED') return undefined;
  return { ...record, status: 'PROCESSING', updated_at: now.toISOString() };
}

export function startArchitecture(record: BuildRecord, arch: Architecture, now: Date): BuildRecord {
  const state = record.arches[arch];
  if (!state || state.status !== 'QUEUED' || isFinal(record)) return record;
  return withArch(record, arch, { ...state, status: 'BUILDING', started_at: now.toISOString() }, now);
}

export function completeArchitecture(
  record: BuildRecord,
  arch: Architecture,
  result: { files: StoredFile[]; report: ArchReport },
  now: Date,
): BuildRecord {
  const state = record.arches[arch];
  if (!state || state.status === 'COMPLETED' || state.status === 'FAILED') return record;
  const next = withArch(record, arch, { ...state, status: 'COMPLETED', finished_at: now.toISOString(), ...result }, now);
  const allDone = next.request.architectures.every((a) => next.arches[a]?.status === 'COMPLETED');
  if (allDone && next.status !== 'FAILED') {
    return { ...next, status: 'COMPLETED', completed_at: now.toISOString() };
  }
  return next;
}

export function failArchitecture(record: BuildRecord, arch: Architecture, message: string, now: Date): BuildRecord {
  const state = record.arches[arch];
  if (!state || state.status === 'COMPLETED' || state.status === 'FAILED') return record;
  const next = withArch(record, arch, { ...state, status: 'FAILED', finished_at: now.toISOString(), error_message: message }, now);
  return failBuild(next, `${arch}: ${message}`, now);
}

/** Fails the whole build; a build already final keeps its state and first message. */
export function failBuild(record: BuildRecord, message: string, now: Date): BuildRecord {
  if (record.status === 'COMPLETED' || record.status === 'FAILED') return record;
  return { ...record, status: 'FAILED', error_message: message, completed_at: now.toISOString(), updated_at: now.toISOString() };
}

function withArch(record: BuildRecord, arch: Architecture, state: NonNullable<BuildRecord['arches'][Architecture]>, now: Date): BuildRecord {
  return { ...record, arches: { ...record.arches, [arch]: state }, updated_at: now.toISOString() };
}
