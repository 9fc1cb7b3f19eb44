const LABEL: Record<string, string> = {
  QUEUED: 'Queued',
  PROCESSING: 'Building',
  BUILDING: 'Building',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
};

/** A build's or an architecture's status as a word and a colour (never the colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge badge-${status.toLowerCase()}`} data-status={status}>
      {LABEL[status] ?? status}
    </span>
  );
}
