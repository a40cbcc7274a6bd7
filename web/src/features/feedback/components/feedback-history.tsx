import { ProblemAlert } from '@/components/problem-alert';
import { Badge } from '@/components/ui/badge';
import { Skeleton } from '@/components/ui/skeleton';
import { formatDate } from '@/lib/format';

import { useFeedbackHistory } from '../api/list-feedback';

export function FeedbackHistory({ imageId }: { imageId: string }) {
  const history = useFeedbackHistory(imageId);
  if (history.isPending) return <Skeleton className="h-16" />;
  if (history.isError) return <ProblemAlert error={history.error} />;
  if (history.data.entries.length === 0)
    return (
      <p className="text-sm text-muted-foreground">
        No feedback yet. Use the buttons above to record a verdict.
      </p>
    );
  return (
    <ol className="grid gap-2" aria-label="Feedback history">
      {history.data.entries.map((entry) => (
        <li key={entry.feedback_id} className="flex flex-wrap items-center gap-2 text-sm">
          <Badge
            variant={
              entry.action === 'anomaly' || entry.action === 'irrelevant' ? 'destructive' : 'secondary'
            }
          >
            {entry.action}
          </Badge>
          <span className="text-muted-foreground">
            {entry.user_id} · {formatDate(entry.created_at)}
          </span>
          {entry.note && <span className="w-full pl-1 text-muted-foreground italic">“{entry.note}”</span>}
        </li>
      ))}
    </ol>
  );
}
