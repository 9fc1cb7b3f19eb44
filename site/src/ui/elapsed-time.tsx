import { useEffect, useState } from 'preact/hooks';
import { formatDuration } from '../lib/format.js';

/** Time from `from` to `to`, or to now (ticking every second) while `to` is unknown. */
export function ElapsedTime({ from, to }: { from: string; to?: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (to) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [to]);
  const end = to ? Date.parse(to) : now;
  return <time dateTime={`PT${Math.max(0, Math.round((end - Date.parse(from)) / 1000))}S`}>{formatDuration(end - Date.parse(from))}</time>;
}
