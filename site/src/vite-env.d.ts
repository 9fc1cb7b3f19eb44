/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API the site talks to by default; empty means the site's own origin. */
  readonly VITE_API_URL?: string;
}
