import { useMemo } from 'preact/hooks';
import { createSiteApi, type Architecture } from '../api/site-api.js';
import { formatTime } from '../lib/format.js';
import { ElapsedTime } from '../ui/elapsed-time.js';
import { ProblemMessage } from '../ui/problem-message.js';
import { StatusBadge } from '../ui/status-badge.js';
import { ArchProgress } from './arch-progress.js';
import { BuildReport } from './build-report.js';
import { FileDownload } from './file-download.js';
import { LogTail } from './log-tail.js';
import type { SavedBuild } from './saved-builds.js';
import { isFinal, MAX_BUILD_MS, useFollowBuild } from './use-follow-build.js';

interface Props {
  saved: SavedBuild;
  token: string;
  onRemove: () => void;
}

/** One submitted build, followed live: progress per architecture, log, report, downloads. */
export function BuildCard({ saved, token, onRemove }: Props) {
  const api = useMemo(() => createSiteApi({ apiUrl: saved.api_url, token }), [saved.api_url, token]);
  const { view, logs, problem, phase, checkAgain } = useFollowBuild(api, saved);
  const titleId = `build-${saved.build_id}`;
  const live = view ? !isFinal(view.status) : true;

  return (
    <article class="card" aria-labelledby={titleId} data-build-id={saved.build_id} data-status={view?.status ?? 'UNKNOWN'}>
      <header class="card-header">
        <h3 id={titleId}>
          {view ? `Python ${view.python_version} · ${view.architectures.join(' + ')} · ${view.single_file ? 'combined' : 'individual'}` : `Build ${saved.build_id.slice(0, 8)}`}
        </h3>
        <span aria-live="polite">{view ? <StatusBadge status={view.status} /> : <span class="hint">checking…</span>}</span>
      </header>
      <p class="card-meta">
        <span>
          Build <code>{saved.build_id}</code>
        </span>
        <span>submitted {formatTime(view?.created_at ?? saved.submitted_at)}</span>
        {view && (
          <span>
            {live ? 'running for ' : 'took '}
            <ElapsedTime from={view.created_at} to={live ? undefined : (view.completed_at ?? view.created_at)} />
          </span>
        )}
        {view && <span>strategy {view.strategy}</span>}
      </p>

      {problem && <ProblemMessage problem={problem} action={phase === 'stopped' && problem.kind === 'not-found' ? { label: 'Remove', run: onRemove } : undefined} />}
      {phase === 'gave-up' && (
        <p class="alert alert-warning" role="status">
          Stopped checking: this build has run longer than {MAX_BUILD_MS / 60_000} minutes, the most a build may take.{' '}
          <button type="button" class="link-button" onClick={checkAgain}>
            Check once more
          </button>
        </p>
      )}
      {view?.status === 'FAILED' && view.error_message && !Object.values(view.progress).some((arch) => arch?.error_message) && (
        <div class="alert alert-error" role="alert">
          <p class="alert-title">The build failed</p>
          <p class="pre-line">{view.error_message}</p>
        </div>
      )}

      {view && (
        <ul class="arches" aria-label="Progress per architecture">
          {view.architectures.map((arch) => (
            <ArchProgress key={arch} arch={arch} state={view.progress[arch]} />
          ))}
        </ul>
      )}

      {view && view.files.length > 0 && (
        <section aria-label="Downloads">
          <h4>Downloads</h4>
          <ul class="files">
            {view.files.map((file) => (
              <FileDownload key={file.filename} file={file} pythonVersion={view.python_version} />
            ))}
          </ul>
          <p class="hint">Links work until {formatTime(new Date(view.expires_at * 1000).toISOString())}.</p>
        </section>
      )}

      {view && view.architectures.map((arch) => {
        const report = view.report[arch];
        return report ? <BuildReport key={arch} report={report} /> : null;
      })}

      {(Object.entries(logs) as Array<[Architecture, string]>).map(([arch, text]) => (
        <LogTail key={arch} arch={arch} text={text} live={live} />
      ))}

      <footer class="card-footer">
        {phase !== 'following' && (
          <button type="button" class="button button-small button-secondary" onClick={checkAgain}>
            Refresh
          </button>
        )}
        <button type="button" class="button button-small button-secondary" onClick={onRemove} aria-label={`Remove build ${saved.build_id} from this list`}>
          Remove
        </button>
      </footer>
    </article>
  );
}
