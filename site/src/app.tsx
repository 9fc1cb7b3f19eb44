import { useEffect, useMemo, useState } from 'preact/hooks';
import { createSiteApi, type ApiSettings, type Submitted } from './api/site-api.js';
import { BuildList } from './builds/build-list.js';
import { loadSavedBuilds, sameBuild, storeSavedBuilds, withBuild } from './builds/saved-builds.js';
import { BuildForm } from './form/build-form.js';
import { forgetSettings, loadSettings, saveSettings } from './settings/saved-settings.js';
import { SettingsPanel } from './settings/settings-panel.js';
import { SiteHeader } from './site-header.js';

const SETTINGS_ID = 'settings';

/** The page: header and settings, the build form, and the builds this browser follows. */
export function App() {
  const [settings, setSettings] = useState<ApiSettings>(() => loadSettings(localStorage));
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [builds, setBuilds] = useState(() => loadSavedBuilds(localStorage));
  const api = useMemo(() => createSiteApi(settings), [settings]);

  useEffect(() => storeSavedBuilds(localStorage, builds), [builds]);

  function remember(submitted: Submitted) {
    setBuilds((list) => withBuild(list, { build_id: submitted.build_id, api_url: api.apiUrl, submitted_at: new Date().toISOString() }));
  }

  return (
    <>
      <a class="skip-link" href="#new-build">
        Skip to the build form
      </a>
      <SiteHeader apiUrl={api.apiUrl} settingsOpen={settingsOpen} settingsId={SETTINGS_ID} onToggleSettings={() => setSettingsOpen((open) => !open)} />
      {settingsOpen && (
        <SettingsPanel
          id={SETTINGS_ID}
          settings={settings}
          onSave={(next) => {
            saveSettings(localStorage, next);
            setSettings(next);
          }}
          onReset={() => {
            forgetSettings(localStorage);
            setSettings(loadSettings(localStorage));
          }}
        />
      )}
      <main class="layout">
        <section class="panel" aria-labelledby="new-build">
          <h2 id="new-build" tabIndex={-1}>
            New build
          </h2>
          <BuildForm api={api} onSubmitted={remember} />
        </section>
        <section class="panel" aria-labelledby="your-builds">
          <h2 id="your-builds">Your builds</h2>
          <BuildList builds={builds} token={settings.token} onRemove={(gone) => setBuilds((list) => list.filter((build) => !sameBuild(build, gone)))} />
        </section>
      </main>
      <footer class="site-footer">
        <p>From a terminal, against this service (pick your Python version and architectures):</p>
        <pre tabIndex={0} aria-label="An example command line against this service">
          {`npm run layer -- build -r requirements.txt --python 3.13 --arch x86_64,arm64 --api ${api.apiUrl}`}
        </pre>
      </footer>
    </>
  );
}
