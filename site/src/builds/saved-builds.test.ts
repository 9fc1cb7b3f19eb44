import { describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../lib/local-storage.js';
import { loadSavedBuilds, MAX_SAVED_BUILDS, storeSavedBuilds, withBuild, type SavedBuild } from './saved-builds.js';

function memoryStore(initial: Record<string, string> = {}): KeyValueStore & { data: Record<string, string> } {
  const data = { ...initial };
  return {
    data,
    getItem: (key) => data[key] ?? null,
    setItem: (key, value) => void (data[key] = value),
    removeItem: (key) => void delete data[key],
  };
}

const build = (id: string): SavedBuild => ({ build_id: id, api_url: 'http://127.0.0.1:8787', submitted_at: '2026-01-01T00:00:00Z' });

describe('saved builds', () => {
  it('come back after a reload in the order they were kept', () => {
    const store = memoryStore();
    storeSavedBuilds(store, [build('b'), build('a')]);
    expect(loadSavedBuilds(store).map((b) => b.build_id)).toEqual(['b', 'a']);
  });

  it('ignore what is not a saved build, and unreadable storage', () => {
    expect(loadSavedBuilds(memoryStore({ 'layer-builder:builds': '[{"build_id":1},null,"x"]' }))).toEqual([]);
    expect(loadSavedBuilds(memoryStore({ 'layer-builder:builds': '{not json' }))).toEqual([]);
    const throwing: KeyValueStore = { getItem: () => { throw new Error('denied'); }, setItem: () => {}, removeItem: () => {} };
    expect(loadSavedBuilds(throwing)).toEqual([]);
  });

  it('put a resubmitted build on top once, and keep at most the newest ones', () => {
    expect(withBuild([build('a'), build('b')], build('b')).map((b) => b.build_id)).toEqual(['b', 'a']);
    let list: SavedBuild[] = [];
    for (let i = 0; i < MAX_SAVED_BUILDS + 5; i++) list = withBuild(list, build(String(i)));
    expect(list).toHaveLength(MAX_SAVED_BUILDS);
    expect(list[0]!.build_id).toBe(String(MAX_SAVED_BUILDS + 4));
  });
});
