import { useQueryClient } from '@tanstack/react-query';
import { CheckIcon, Undo2Icon } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { toast } from 'sonner';

import { isJobFinished, useJob } from '@/api/get-job';
import type { AnomalyWeights, WeightsAgreement } from '@/api/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent } from '@/components/ui/card';
import { Progress } from '@/components/ui/progress';
import { formatCount, formatScore } from '@/lib/format';

import { useApplyQualityThresholds } from '../api/apply-quality-thresholds';
import { useUndoQualityThresholds } from '../api/undo-quality-thresholds';
import { TrendMark } from './agreement-table';
import { ConfirmChange } from './confirm-change';
import { SettingsHistory } from './settings-history';
import {
  evidenceLine,
  formatWeight,
  revertChanges,
  sourceBadge,
  sourceWords,
  trend,
} from './threshold-words';

const components = [
  { key: 'dnn', label: 'Deep features', hint: 'distance to the nearest neighbours in embedding space' },
  { key: 'density', label: 'Density (LOF)', hint: 'how sparse its neighbourhood is' },
  { key: 'ood', label: 'Out of distribution', hint: 'how far it lies from the collection as a whole' },
  { key: 'quality', label: 'Image quality', hint: 'blur, exposure and other quality flags' },
] as const;

const reviewWords: [string, string] = ['anomalies', 'ok'];

const formatWeightSetting = (_name: string, value: number | undefined) => formatWeight(value);

function WeightBar({ value, muted }: { value: number | undefined; muted?: boolean }) {
  const percent = Math.max(0, Math.min(1, value ?? 0)) * 100;
  return (
    <div className="flex items-center gap-2">
      <div className="h-2 w-28 overflow-hidden rounded-full bg-muted" aria-hidden>
        <div
          className={muted ? 'h-full bg-muted-foreground/50' : 'h-full bg-primary'}
          style={{ width: `${percent}%` }}
        />
      </div>
      <span className="tabular-nums">{formatWeight(value)}</span>
    </div>
  );
}

function CutCounts({ agreement }: { agreement: WeightsAgreement }) {
  if (agreement.tp + agreement.fp + agreement.fn + agreement.tn === 0) return null;
  return (
    <span
      className="text-xs text-muted-foreground tabular-nums"
      title="At the combined-score cut that gets the most reviews right: TP anomalies flagged, FP ok flagged, FN anomalies missed, TN ok passed"
    >
      cut {formatScore(agreement.cut, 2)}: TP {agreement.tp} · FP {agreement.fp} · FN {agreement.fn} · TN{' '}
      {agreement.tn}
    </span>
  );
}

function weightChanges(from: Record<string, number>, to: Record<string, number>): string[] {
  return components
    .filter(({ key }) => from[key] !== to[key])
    .map(({ key }) => `${key} ${formatWeight(from[key])} → ${formatWeight(to[key])}`);
}

/** Follows the recompute job that apply and undo start, and says when the stored scores are updated. */
function useRecompute() {
  const queryClient = useQueryClient();
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJob(jobId);
  const handled = useRef(new Set<string>());
  useEffect(() => {
    if (!jobId || !job.data || job.data.job_id !== jobId || !isJobFinished(job.data)) return;
    if (handled.current.has(jobId)) return;
    handled.current.add(jobId);
    if (job.data.state === 'succeeded') toast.success('Anomaly scores recomputed with the new weights');
    else toast.error('Recomputing the anomaly scores failed', { description: job.data.error || undefined });
    setJobId(null);
    void queryClient.invalidateQueries({ queryKey: ['qa', 'anomalies'] });
  }, [jobId, job.data, queryClient]);
  return { jobId, job: job.data, follow: setJobId };
}

/** The anomaly component weights in force beside those the reviews suggest; apply recomputes the scores. */
export function AnomalyWeightsSection({ report, canApply }: { report: AnomalyWeights; canApply: boolean }) {
  const [applyOpen, setApplyOpen] = useState(false);
  const [undoOpen, setUndoOpen] = useState(false);
  const apply = useApplyQualityThresholds();
  const undo = useUndoQualityThresholds();
  const recompute = useRecompute();
  const { current, suggested, applied } = report;
  const changes = suggested ? weightChanges(current.weights, suggested.weights) : [];
  const auc =
    current.auc !== undefined && suggested?.auc !== undefined ? trend(current.auc, suggested.auc) : undefined;

  const confirmApply = () =>
    apply.mutate(
      { scope: 'anomaly' },
      {
        onSuccess: (result) => {
          setApplyOpen(false);
          toast.success(`Anomaly weights applied (version ${result.version.version})`, {
            description: 'The stored scores are being recomputed.',
          });
          if (result.recompute_job_id) recompute.follow(result.recompute_job_id);
        },
      },
    );
  const confirmUndo = () =>
    undo.mutate('anomaly', {
      onSuccess: (result) => {
        setUndoOpen(false);
        toast.success(`Anomaly weights version ${result.undone.version} undone`);
        if (result.recompute_job_id) recompute.follow(result.recompute_job_id);
      },
    });

  let hint: string;
  if (!canApply) hint = 'Only admins may apply or undo weights (AUTH_ADMIN_USERS).';
  else if (!suggested)
    hint = `Not enough reviews for a suggestion: ${evidenceLine(report.anomalies, report.ok, report.min_each, reviewWords)}.`;
  else if (changes.length === 0) hint = 'The suggested weights equal those in force: nothing to apply.';
  else hint = 'Applying starts a recompute of the stored scores; the review queue follows it.';

  return (
    <section className="grid gap-4" aria-labelledby="anomaly-weights-title">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="grid gap-1">
          <h2 id="anomaly-weights-title" className="text-lg font-semibold">
            Anomaly ranking weights
          </h2>
          <p className="text-sm text-muted-foreground" data-testid="anomaly-evidence">
            The review queue is sorted by a combined score, a weighted sum of four detectors. Fitted to your
            latest verdict per image: {formatCount(report.anomalies)} anomaly and {formatCount(report.ok)} ok
            reviews ({report.min_each} of each needed).
          </p>
        </div>
        <div className="ml-auto grid max-w-md justify-items-end gap-1">
          <div className="flex flex-wrap items-center justify-end gap-2">
            <Button
              variant="outline"
              disabled={!canApply || !applied || Boolean(recompute.jobId)}
              onClick={() => {
                undo.reset();
                setUndoOpen(true);
              }}
            >
              <Undo2Icon /> Undo last change
            </Button>
            <Button
              disabled={!canApply || changes.length === 0 || Boolean(recompute.jobId)}
              onClick={() => {
                apply.reset();
                setApplyOpen(true);
              }}
            >
              <CheckIcon /> Apply suggested weights
            </Button>
          </div>
          <p className="text-right text-xs text-muted-foreground" data-testid="anomaly-apply-hint">
            {hint}
          </p>
        </div>
      </div>

      {recompute.jobId && (
        <div className="grid gap-1 text-sm" role="status" data-testid="recompute-progress">
          <span>
            Recomputing anomaly scores
            {recompute.job && recompute.job.total > 0
              ? `: ${formatCount(recompute.job.done)} of ${formatCount(recompute.job.total)} images`
              : '…'}
          </span>
          <Progress
            value={
              recompute.job && recompute.job.total > 0 ? (100 * recompute.job.done) / recompute.job.total : 0
            }
            aria-label="Recompute progress"
          />
        </div>
      )}

      <Card className="py-4">
        <CardContent className="grid gap-4 px-4">
          <table className="w-full max-w-4xl text-sm" aria-label="Anomaly weights">
            <thead className="text-left text-xs text-muted-foreground">
              <tr>
                <th className="py-1 pr-3 font-medium">Component</th>
                <th className="py-1 pr-3 font-medium">
                  In force{' '}
                  <Badge variant="outline" className="ml-1" title={`Set by ${sourceWords[report.source]}`}>
                    {sourceBadge[report.source]}
                  </Badge>
                </th>
                <th className="py-1 font-medium">Suggested</th>
              </tr>
            </thead>
            <tbody>
              {components.map(({ key, label, hint: what }) => (
                <tr key={key} className="border-t" data-component={key}>
                  <th className="py-1.5 pr-3 text-left font-normal">
                    {label} <code className="text-xs text-muted-foreground">{key}</code>
                    <span className="block text-xs text-muted-foreground">{what}</span>
                  </th>
                  <td className="py-1.5 pr-3">
                    <WeightBar value={current.weights[key]} muted />
                  </td>
                  <td className="py-1.5">
                    {suggested ? (
                      <WeightBar value={suggested.weights[key]} />
                    ) : (
                      <span className="text-muted-foreground">–</span>
                    )}
                  </td>
                </tr>
              ))}
              <tr className="border-t">
                <th
                  className="py-1.5 pr-3 text-left font-normal"
                  title="ROC-AUC of the combined score on the reviews: the chance an anomaly ranks above an ok image"
                >
                  Ranking agreement (AUC)
                </th>
                <td className="py-1.5 pr-3 tabular-nums">
                  {formatScore(current.auc, 3)}
                  <span className="block">
                    <CutCounts agreement={current} />
                  </span>
                </td>
                <td className="py-1.5 tabular-nums" data-testid="anomaly-suggested-auc">
                  {suggested ? (
                    <>
                      <span className="inline-flex items-center gap-1">
                        {formatScore(suggested.auc, 3)} {auc && <TrendMark value={auc} />}
                      </span>
                      <span className="block">
                        <CutCounts agreement={suggested} />
                      </span>
                    </>
                  ) : (
                    <span className="text-muted-foreground">
                      Not enough reviews:{' '}
                      {evidenceLine(report.anomalies, report.ok, report.min_each, reviewWords)}
                    </span>
                  )}
                </td>
              </tr>
            </tbody>
          </table>
        </CardContent>
      </Card>

      <div className="grid gap-2">
        <h3 className="text-sm font-semibold">Applied versions</h3>
        <SettingsHistory
          history={report.history}
          inForce={applied?.version}
          format={formatWeightSetting}
          label="Applied anomaly weight versions"
        />
      </div>

      <ConfirmChange
        open={applyOpen}
        onOpenChange={setApplyOpen}
        title="Apply the suggested weights?"
        changes={changes}
        confirmLabel="Apply"
        onConfirm={confirmApply}
        pending={apply.isPending}
        error={apply.error}
      >
        <p>
          New uploads are scored with them at once, and a recompute job updates the stored scores, so the
          anomaly queue&apos;s order changes.
        </p>
        <p>A new version is recorded; &quot;Undo last change&quot; puts the weights before it back.</p>
      </ConfirmChange>

      {applied && (
        <ConfirmChange
          open={undoOpen}
          onOpenChange={setUndoOpen}
          title={`Undo weights version ${applied.version}?`}
          changes={revertChanges(applied, formatWeightSetting)}
          confirmLabel="Undo"
          onConfirm={confirmUndo}
          pending={undo.isPending}
          error={undo.error}
        >
          <p>
            {Object.keys(applied.previous).length > 0
              ? 'The weights of the version before it apply again'
              : "The deployment's weights (ANOMALY_WEIGHTS) apply again"}
            , and the stored scores are recomputed with them.
          </p>
        </ConfirmChange>
      )}
    </section>
  );
}
