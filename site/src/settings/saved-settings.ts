import type { ApiSettings } from '../api/site-api.js';
import { readJson, removeKey, writeJson, type KeyValueStore } from '../lib/local-storage.js';

const KEY = 'layer-builder:settings';

/** The API URL this build of the site was made for (`VITE_API_URL`); empty = same origin. */
export const BUILT_IN_API_URL: string = import.meta.env.VITE_API_URL ?? '';

/** The user's API URL and token if they saved any, else the built-in default and no token. */
export function loadSettings(store: KeyValueStore, fallbackUrl = BUILT_IN_API_URL): ApiSettings {
  const saved = readJson(store, KEY) as Partial<Record<keyof ApiSettings, unknown>> | undefined;
  return {
    apiUrl: typeof saved?.apiUrl === 'string' ? saved.apiUrl : fallbackUrl,
    token: typeof saved?.token === 'string' ? saved.token : '',
  };
}

export function saveSettings(store: KeyValueStore, settings: ApiSettings): void {
  writeJson(store, KEY, { apiUrl: settings.apiUrl.trim(), token: settings.token.trim() });
}

export function forgetSettings(store: KeyValueStore): void {
  removeKey(store, KEY);
}
