import { CopyIcon, ThumbsDownIcon, ThumbsUpIcon, TriangleAlertIcon } from 'lucide-react';
import { toast } from 'sonner';

import { useCreateFeedback } from '@/api/create-feedback';
import type { FeedbackCreateRequest } from '@/api/types';
import { Button } from '@/components/ui/button';
import { describeProblem } from '@/lib/problem';

type Action = FeedbackCreateRequest['action'];

const buttons: { action: Action; label: string; icon: typeof ThumbsUpIcon }[] = [
  { action: 'relevant', label: 'Relevant', icon: ThumbsUpIcon },
  { action: 'irrelevant', label: 'Irrelevant', icon: ThumbsDownIcon },
  { action: 'duplicate', label: 'Duplicate', icon: CopyIcon },
  { action: 'anomaly', label: 'Anomaly', icon: TriangleAlertIcon },
];

export function FeedbackButtons({ imageId, queryId }: { imageId: string; queryId?: string }) {
  const feedback = useCreateFeedback();
  const send = (action: Action) =>
    feedback.mutate(
      { image_id: imageId, action, ...(queryId ? { query_id: queryId } : {}) },
      {
        onSuccess: () => toast.success(`Feedback sent: ${action}`),
        onError: (error) => toast.error('Feedback was not saved', describeProblem(error)),
      },
    );
  return (
    <div className="flex flex-wrap gap-1.5" role="group" aria-label="Feedback">
      {buttons.map(({ action, label, icon: Icon }) => (
        <Button
          key={action}
          size="sm"
          variant="outline"
          disabled={feedback.isPending}
          onClick={() => send(action)}
        >
          <Icon /> {label}
        </Button>
      ))}
    </div>
  );
}
