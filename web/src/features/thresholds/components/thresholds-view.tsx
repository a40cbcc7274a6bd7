import { ShieldCheckIcon } from 'lucide-react';

import { ProblemAlert } from '@/components/problem-alert';
import { Button } from '@/components/ui/button';
import { Separator } from '@/components/ui/separator';
import { Skeleton } from '@/components/ui/skeleton';

import { useQualityThresholds } from '../api/get-quality-thresholds';
import { AnomalyWeightsSection } from './anomaly-weights';
import { DedupThresholdsSection } from './dedup-thresholds';

/** Thresholds that learn: what the reviewers' decisions suggest, and (for admins) apply and undo. */
export function ThresholdsView() {
  const report = useQualityThresholds();
  if (report.isPending)
    return (
      <div className="grid gap-3" role="status" aria-busy="true" aria-label="Loading the thresholds">
        <Skeleton className="h-8 w-72" />
        <Skeleton className="h-48 w-full" />
        <Skeleton className="h-48 w-full" />
      </div>
    );
  if (report.isError)
    return (
      <ProblemAlert
        error={report.error}
        action={
          <Button variant="outline" size="sm" className="mt-2" onClick={() => void report.refetch()}>
            Try again
          </Button>
        }
      />
    );
  const { can_apply: canApply, dedup, anomaly } = report.data;
  return (
    <div className="grid gap-8">
      {canApply && (
        <p className="flex items-center gap-2 text-sm text-muted-foreground" data-testid="admin-note">
          <ShieldCheckIcon className="size-4" /> You are an admin of this collection: you may apply and undo.
          Nothing changes until you confirm.
        </p>
      )}
      <DedupThresholdsSection report={dedup} canApply={canApply} />
      <Separator />
      <AnomalyWeightsSection report={anomaly} canApply={canApply} />
    </div>
  );
}
