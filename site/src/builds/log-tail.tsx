import { useEffect, useRef } from 'preact/hooks';

const TAIL_LINES = 60;

/** The last lines of one architecture's build log, kept scrolled to the end while it grows. */
export function LogTail({ arch, text, live }: { arch: string; text: string; live: boolean }) {
  const box = useRef<HTMLPreElement>(null);
  const lines = text.trimEnd().split('\n');
  const tail = lines.slice(-TAIL_LINES).join('\n');
  useEffect(() => {
    const element = box.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [tail]);
  return (
    <details class="log" open={live}>
      <summary>
        Log, {arch}
        {lines.length > TAIL_LINES ? ` (last ${TAIL_LINES} of ${lines.length} lines)` : ''}
      </summary>
      <pre ref={box} tabIndex={0} aria-label={`Build log for ${arch}`}>
        {tail || 'No output yet.'}
      </pre>
    </details>
  );
}
