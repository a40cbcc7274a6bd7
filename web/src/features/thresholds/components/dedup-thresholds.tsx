import { CheckIcon, Undo2Icon } from 'lucide-react';
import { useState } from 'react';
import { toast } from 'sonner';

import type { DedupThresholds, SignalThreshold } from '@/api/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { formatCount, formatScore } from '@/lib/format';

import { useApplyQualityThresholds } from '../api/apply-quality-thresholds';
import { useUndoQualityThresholds } from '../api/undo-quality-thresholds';
import { AgreementTable, TrendMark } from './agreement-table';
import { ConfirmChange } from './confirm-change';
import { SettingsHistory } from './settings-history';
import {
  changeLine,
  evidenceLine,
  formatSetting,
  isApplicable,
  revertChanges,
  settingWords,
  signalWords,
  sourceBadge,
  sourceWords,
  trend,
  versionChanges,
} from './threshold-words';

function SignalCard({
  signal,
  minEach,
  selectable,
  selected,
  onSelect,
}: {
  signal: SignalThreshold;
  minEach: number;
  selectable: boolean;
  selected: boolean;
  onSelect: (selected: boolean) => void;
}) {
  const words = settingWords[signal.setting];
  const checkboxId = `apply-${signal.signal}`;
  const suggested = signal.suggested;
  const moves = isApplicable(signal);
  const mcc = suggested ? trend(signal.at_current.mcc, suggested.mcc) : undefined;
  return (
    <Card
      className="gap-3 py-4"
      data-testid={`signal-${signal.signal}`}
      aria-labelledby={`${checkboxId}-title`}
    >
      <CardHeader className="px-4">
        <div className="flex items-start gap-3">
          <Checkbox
            id={checkboxId}
            className="mt-0.5"
            checked={selected}
            disabled={!selectable}
            onCheckedChange={(value) => onSelect(value === true)}
            aria-label={`Apply the suggested ${signal.setting}`}
          />
          <div className="grid gap-1">
            <CardTitle id={`${checkboxId}-title`} className="flex flex-wrap items-baseline gap-x-2">
              <label htmlFor={checkboxId}>{words.title}</label>
              <code className="text-xs font-normal text-muted-foreground">{signal.setting}</code>
            </CardTitle>
            <CardDescription>{words.does}</CardDescription>
          </div>
        </div>
      </CardHeader>
      <CardContent className="grid gap-4 px-4 md:grid-cols-[minmax(13rem,16rem)_1fr]">
        <dl className="grid content-start gap-3 text-sm">
          <div className="grid gap-0.5">
            <dt className="text-xs text-muted-foreground">In force</dt>
            <dd className="flex items-center gap-2">
              <span className="text-xl font-semibold tabular-nums" data-testid="current-value">
                {formatSetting(signal.setting, signal.current)}
              </span>
              <Badge variant="outline" title={`Set by ${sourceWords[signal.source]}`}>
                {sourceBadge[signal.source]}
              </Badge>
            </dd>
          </div>
          <div className="grid gap-0.5">
            <dt className="text-xs text-muted-foreground">Suggested</dt>
            <dd data-testid="suggestion">
              {suggested ? (
                <span className="flex flex-wrap items-center gap-2">
                  <span className="text-xl font-semibold tabular-nums">
                    {formatSetting(signal.setting, suggested.threshold)}
                  </span>
                  {moves ? (
                    <Badge variant={mcc === 'worse' ? 'warning' : 'success'}>
                      <TrendMark value={mcc ?? 'same'} plain /> MCC {formatScore(signal.at_current.mcc, 3)} →{' '}
                      {formatScore(suggested.mcc, 3)}
                    </Badge>
                  ) : (
                    <Badge variant="secondary">keep: already the best</Badge>
                  )}
                </span>
              ) : (
                <span className="text-muted-foreground">
                  Not enough decisions: {evidenceLine(signal.duplicates, signal.not_duplicates, minEach)}
                </span>
              )}
            </dd>
          </div>
          <div className="text-xs text-muted-foreground">
            A pair is called a duplicate at {signal.direction === 'at_least' ? 'or above' : 'or below'} the
            value. Evidence: {formatCount(signal.duplicates)} duplicate and{' '}
            {formatCount(signal.not_duplicates)} not-duplicate decisions carry the{' '}
            {signalWords[signal.signal]}.
          </div>
        </dl>
        {signal.duplicates + signal.not_duplicates > 0 ? (
          <AgreementTable
            current={signal.at_current}
            suggested={suggested}
            currentLabel={`In force (${formatSetting(signal.setting, signal.at_current.threshold)})`}
            suggestedLabel={
              suggested ? `Suggested (${formatSetting(signal.setting, suggested.threshold)})` : 'Suggested'
            }
          />
        ) : (
          <p className="text-sm text-muted-foreground">
            No decided pair carries this signal yet: its agreement shows once reviewers resolve duplicate
            groups.
          </p>
        )}
      </CardContent>
    </Card>
  );
}

/** The dedup thresholds: each signal's value in force beside the suggestion, apply selected, undo, history. */
export function DedupThresholdsSection({ report, canApply }: { report: DedupThresholds; canApply: boolean }) {
  const [selected, setSelected] = useState<Set<SignalThreshold['signal']>>(new Set());
  const [applyOpen, setApplyOpen] = useState(false);
  const [undoOpen, setUndoOpen] = useState(false);
  const apply = useApplyQualityThresholds();
  const undo = useUndoQualityThresholds();

  const applicable = report.signals.filter(isApplicable);
  // A selection survives a refetch only for signals that still have a suggestion to apply.
  const chosen = applicable.filter((s) => selected.has(s.signal));
  const applied = report.applied;

  const confirmApply = () =>
    apply.mutate(
      { scope: 'dedup', signals: chosen.map((s) => s.signal) },
      {
        onSuccess: (result) => {
          setApplyOpen(false);
          setSelected(new Set());
          toast.success(`Thresholds applied (version ${result.version.version})`, {
            description: versionChanges(result.version).join(', '),
          });
        },
      },
    );
  const confirmUndo = () =>
    undo.mutate('dedup', {
      onSuccess: (result) => {
        setUndoOpen(false);
        toast.success(`Version ${result.undone.version} undone`, {
          description: result.current
            ? `Version ${result.current.version} is in force again`
            : "The deployment's settings are in force again",
        });
      },
    });

  let hint: string;
  if (!canApply)
    hint = 'Only admins may apply or undo thresholds (AUTH_ADMIN_USERS); you see what the decisions suggest.';
  else if (!report.signals.some((s) => s.suggested))
    hint = `No suggestions yet: each signal needs ${report.min_each} decisions of each verdict.`;
  else if (applicable.length === 0) hint = 'Every suggestion equals the value in force: nothing to apply.';
  else if (chosen.length === 0) hint = 'Tick the signals whose suggestion to apply.';
  else hint = `${chosen.length} of ${applicable.length} suggestions selected.`;

  return (
    <section className="grid gap-4" aria-labelledby="dedup-thresholds-title">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="grid gap-1">
          <h2 id="dedup-thresholds-title" className="text-lg font-semibold">
            Duplicate detection
          </h2>
          <p className="text-sm text-muted-foreground" data-testid="dedup-evidence">
            {formatCount(report.decisions)} duplicate / not-duplicate decisions,{' '}
            {formatCount(report.with_signals)} with their signals
            {report.backfilled > 0 && ` (${formatCount(report.backfilled)} measured by this read)`}; model{' '}
            <code>{report.model || '–'}</code>. A signal needs {report.min_each} decisions of each verdict for
            a suggestion.
          </p>
        </div>
        <div className="ml-auto grid max-w-md justify-items-end gap-1">
          <div className="flex flex-wrap items-center justify-end gap-2">
            <Button
              variant="outline"
              disabled={!canApply || !applied}
              onClick={() => {
                undo.reset();
                setUndoOpen(true);
              }}
              title={!applied ? 'Nothing applied to undo' : undefined}
            >
              <Undo2Icon /> Undo last change
            </Button>
            <Button
              disabled={!canApply || chosen.length === 0}
              onClick={() => {
                apply.reset();
                setApplyOpen(true);
              }}
            >
              <CheckIcon /> Apply selected{chosen.length > 0 && ` (${chosen.length})`}
            </Button>
          </div>
          <p className="text-right text-xs text-muted-foreground" data-testid="dedup-apply-hint">
            {hint}
          </p>
        </div>
      </div>

      <div className="grid gap-3">
        {report.signals.map((signal) => (
          <SignalCard
            key={signal.signal}
            signal={signal}
            minEach={report.min_each}
            selectable={canApply && isApplicable(signal)}
            selected={chosen.includes(signal)}
            onSelect={(value) =>
              setSelected((current) => {
                const next = new Set(current);
                if (value) next.add(signal.signal);
                else next.delete(signal.signal);
                return next;
              })
            }
          />
        ))}
      </div>

      <div className="grid gap-2">
        <h3 className="text-sm font-semibold">Applied versions</h3>
        <SettingsHistory history={report.history} inForce={applied?.version} label="Applied dedup versions" />
      </div>

      <ConfirmChange
        open={applyOpen}
        onOpenChange={setApplyOpen}
        title={`Apply ${chosen.length === 1 ? 'this threshold' : `these ${chosen.length} thresholds`}?`}
        changes={chosen.map(changeLine)}
        confirmLabel="Apply"
        onConfirm={confirmApply}
        pending={apply.isPending}
        error={apply.error}
      >
        <p>
          They apply to your collection&apos;s future duplicate sweeps and upload checks. Existing groups
          change at the next sweep.
        </p>
        <p>A new version is recorded; &quot;Undo last change&quot; puts the values before it back.</p>
      </ConfirmChange>

      {applied && (
        <ConfirmChange
          open={undoOpen}
          onOpenChange={setUndoOpen}
          title={`Undo version ${applied.version}?`}
          changes={revertChanges(applied)}
          confirmLabel="Undo"
          onConfirm={confirmUndo}
          pending={undo.isPending}
          error={undo.error}
        >
          <p>
            {Object.keys(applied.previous).length > 0
              ? 'The values of the version before it apply again'
              : "The deployment's settings (environment and defaults) apply again"}{' '}
            to future sweeps and upload checks; existing groups change at the next sweep.
          </p>
        </ConfirmChange>
      )}
    </section>
  );
}
