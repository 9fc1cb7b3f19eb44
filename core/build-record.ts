import type { Architecture } from './runtime-catalog.js';
import type { ArchReport, BuildRecord, BuildRequest, StoredFile } from './schemas.js';

/**
 * The build state machine as pure functions. A build is QUEUED until claimed, PROCESSING
 * while any architecture works, COMPLETED only when every requested architecture has its
 * files, FAILED once every architecture has finished and one of them failed. The first
 * failure's message is the build's error_message from the moment it happens; the other
 * architectures still finish, so a client that stops at the final status finds every zip
 * that was built. Stores apply these transitions atomically.
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
    expires_at: Math.floor(args.now.getTime() / 1000 + args.ttlSeconds),
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
  return settle(withArch(record, arch, { ...state, status: 'COMPLETED', finished_at: now.toISOString(), ...result }, now), now);
}

export function failArchitecture(record: BuildRecord, arch: Architecture, message: string, now: Date): BuildRecord {
  const state = record.arches[arch];
  if (!state || state.status === 'COMPLETED' || state.status === 'FAILED') return record;
  const next = withArch(record, arch, { ...state, status: 'FAILED', finished_at: now.toISOString(), error_message: message }, now);
  return settle({ ...next, error_message: next.error_message ?? `${arch}: ${message}` }, now);
}

/** Makes the build final once every architecture is: COMPLETED if all built, else FAILED. */
function settle(record: BuildRecord, now: Date): BuildRecord {
  if (isFinal(record)) return record;
  const states = record.request.architectures.map((arch) => record.arches[arch]?.status);
  if (states.every((status) => status === 'COMPLETED')) return { ...record, status: 'COMPLETED', completed_at: now.toISOString() };
  if (states.every((status) => status === 'COMPLETED' || status === 'FAILED')) return { ...record, status: 'FAILED', completed_at: now.toISOString() };
  return record;
}

/**
 * Fails the whole build (it could not be queued, its builder died, it never started):
 * every architecture not yet finished fails with the same message. A build already
 * final keeps its state and first message.
 */
export function failBuild(record: BuildRecord, message: string, now: Date): BuildRecord {
  if (record.status === 'COMPLETED' || record.status === 'FAILED') return record;
  const at = now.toISOString();
  const arches = Object.fromEntries(
    Object.entries(record.arches).map(([arch, state]) =>
      state.status === 'COMPLETED' || state.status === 'FAILED' ? [arch, state] : [arch, { ...state, status: 'FAILED', finished_at: at, error_message: message }],
    ),
  );
  return { ...record, arches, status: 'FAILED', error_message: record.error_message ?? message, completed_at: at, updated_at: at };
}

function withArch(record: BuildRecord, arch: Architecture, state: NonNullable<BuildRecord['arches'][Architecture]>, now: Date): BuildRecord {
  return { ...record, arches: { ...record.arches, [arch]: state }, updated_at: now.toISOString() };
}
