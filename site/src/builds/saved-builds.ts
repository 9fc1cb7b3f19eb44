import { readJson, writeJson, type KeyValueStore } from '../lib/local-storage.js';

const KEY = 'layer-builder:builds';
export const MAX_SAVED_BUILDS = 20;

/** A build this browser submitted: enough to follow it again after a reload. */
export interface SavedBuild {
  build_id: string;
  /** The API it was submitted to, resolved to an absolute URL. */
  api_url: string;
  submitted_at: string;
}

function isSavedBuild(value: unknown): value is SavedBuild {
  const build = value as Partial<SavedBuild> | null;
  return typeof build?.build_id === 'string' && typeof build.api_url === 'string' && typeof build.submitted_at === 'string';
}

export function loadSavedBuilds(store: KeyValueStore): SavedBuild[] {
  const saved = readJson(store, KEY);
  return Array.isArray(saved) ? saved.filter(isSavedBuild).slice(0, MAX_SAVED_BUILDS) : [];
}

export function storeSavedBuilds(store: KeyValueStore, builds: SavedBuild[]): void {
  writeJson(store, KEY, builds);
}

export function sameBuild(a: SavedBuild, b: SavedBuild): boolean {
  return a.build_id === b.build_id && a.api_url === b.api_url;
}

/** Newest first; a build submitted again (a cache hit) moves to the top instead of doubling. */
export function withBuild(builds: SavedBuild[], build: SavedBuild): SavedBuild[] {
  return [build, ...builds.filter((other) => !sameBuild(other, build))].slice(0, MAX_SAVED_BUILDS);
}
