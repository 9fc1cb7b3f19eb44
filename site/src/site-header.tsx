interface Props {
  apiUrl: string;
  settingsOpen: boolean;
  settingsId: string;
  onToggleSettings: () => void;
}

/** Title, what the site does, which service it talks to, and the settings toggle. */
export function SiteHeader({ apiUrl, settingsOpen, settingsId, onToggleSettings }: Props) {
  return (
    <header class="site-header">
      <div>
        <h1>Lambda layer builder</h1>
        <p class="tagline">Python layers that import cleanly on exactly the Lambda runtime and architecture you pick.</p>
      </div>
      <div class="header-tools">
        <span class="hint api-target">
          API: <span class="api-url">{apiUrl}</span>
        </span>
        <button type="button" class="button button-secondary" aria-expanded={settingsOpen} aria-controls={settingsId} onClick={onToggleSettings}>
          Settings
        </button>
      </div>
    </header>
  );
}
