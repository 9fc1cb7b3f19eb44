import { useState } from 'preact/hooks';
import { ApiProblem, createSiteApi, type ApiSettings } from '../api/site-api.js';
import { ProblemMessage } from '../ui/problem-message.js';
import { BUILT_IN_API_URL } from './saved-settings.js';

interface Props {
  id: string;
  settings: ApiSettings;
  onSave: (settings: ApiSettings) => void;
  onReset: () => void;
}

/** The API URL and optional token, kept in this browser; a check says whether they work. */
export function SettingsPanel({ id, settings, onSave, onReset }: Props) {
  const [apiUrl, setApiUrl] = useState(settings.apiUrl);
  const [token, setToken] = useState(settings.token);
  const [result, setResult] = useState<string>();
  const [problem, setProblem] = useState<ApiProblem>();

  async function check() {
    setResult(undefined);
    setProblem(undefined);
    try {
      setResult(await createSiteApi({ apiUrl, token }).check());
    } catch (error) {
      setProblem(error instanceof ApiProblem ? error : new ApiProblem('unreachable', String(error)));
    }
  }

  return (
    <section id={id} class="settings" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Settings</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onSave({ apiUrl: apiUrl.trim(), token: token.trim() });
          setResult('Saved in this browser.');
        }}
      >
        <div class="field">
          <label for="api-url">API URL</label>
          <input
            id="api-url"
            type="text"
            inputMode="url"
            autocomplete="url"
            spellcheck={false}
            placeholder="empty: this site's own address"
            value={apiUrl}
            aria-describedby="api-url-hint"
            onInput={(event) => setApiUrl(event.currentTarget.value)}
          />
          <p id="api-url-hint" class="hint">
            The build service, e.g. http://127.0.0.1:8787 for <code>npm start</code>. This site's default: {BUILT_IN_API_URL || 'its own address'}.
          </p>
        </div>
        <div class="field">
          <label for="api-token">Token (optional)</label>
          <input
            id="api-token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={token}
            aria-describedby="api-token-hint"
            onInput={(event) => setToken(event.currentTarget.value)}
          />
          <p id="api-token-hint" class="hint">
            Only when the service was set up with one; it is stored in this browser's local storage.
          </p>
        </div>
        <div class="form-actions">
          <button type="submit" class="button button-primary">
            Save
          </button>
          <button type="button" class="button button-secondary" onClick={check}>
            Check connection
          </button>
          <button
            type="button"
            class="button button-secondary"
            onClick={() => {
              setApiUrl(BUILT_IN_API_URL);
              setToken('');
              onReset();
              setResult('Back to the defaults.');
            }}
          >
            Use defaults
          </button>
        </div>
        <p class="hint" role="status">
          {result}
        </p>
        {problem && <ProblemMessage problem={problem} />}
      </form>
    </section>
  );
}
