import { describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../lib/local-storage.js';
import { forgetSettings, loadSettings, saveSettings } from './saved-settings.js';

function memoryStore(): KeyValueStore {
  const data = new Map<string, string>();
  return { getItem: (key) => data.get(key) ?? null, setItem: (key, value) => void data.set(key, value), removeItem: (key) => void data.delete(key) };
}

describe('saved settings', () => {
  it('start from the built-in API URL and no token', () => {
    expect(loadSettings(memoryStore(), 'https://api.example.com')).toEqual({ apiUrl: 'https://api.example.com', token: '' });
  });

  it('keep what the user saved, trimmed, until forgotten', () => {
    const store = memoryStore();
    saveSettings(store, { apiUrl: ' http://127.0.0.1:8787 ', token: ' secret ' });
    expect(loadSettings(store, '')).toEqual({ apiUrl: 'http://127.0.0.1:8787', token: 'secret' });
    forgetSettings(store);
    expect(loadSettings(store, '')).toEqual({ apiUrl: '', token: '' });
  });
});
