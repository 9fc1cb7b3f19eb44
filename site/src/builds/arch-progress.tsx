import type { Architecture, BuildView } from '../api/site-api.js';
import { ElapsedTime } from '../ui/elapsed-time.js';
import { StatusBadge } from '../ui/status-badge.js';

type ArchState = NonNullable<BuildView['progress'][Architecture]>;

const STEP: Record<ArchState['status'], number | undefined> = { QUEUED: 0, BUILDING: undefined, COMPLETED: 1, FAILED: 1 };

/** One architecture's line: status, a bar (moving while it builds), time taken, and its error. */
export function ArchProgress({ arch, state }: { arch: Architecture; state: ArchState | undefined }) {
  const status = state?.status ?? 'QUEUED';
  return (
    <li class={`arch arch-${status.toLowerCase()}`} data-arch={arch}>
      <div class="arch-line">
        <span class="arch-name">{arch}</span>
        <StatusBadge status={status} />
        {/* Without a value a progress bar is indeterminate: it moves while pip runs. */}
        <progress class="arch-bar" max={1} {...(STEP[status] === undefined ? {} : { value: STEP[status] })} aria-label={`${arch}: ${status.toLowerCase()}`} />
        <span class="hint">{state?.started_at ? <ElapsedTime from={state.started_at} to={state.finished_at} /> : 'waiting'}</span>
      </div>
      {state?.error_message && <p class="arch-error">{state.error_message}</p>}
    </li>
  );
}
