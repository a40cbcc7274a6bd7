import { ArrowDownIcon, ArrowUpIcon, MinusIcon } from 'lucide-react';

import type { ThresholdAgreement } from '@/api/types';
import { formatPercent, formatScore } from '@/lib/format';
import { cn } from '@/lib/utils';

import { agreementMetrics, metricValue, trend, type Trend } from './threshold-words';

const trendIcon = { better: ArrowUpIcon, worse: ArrowDownIcon, same: MinusIcon };
const trendClass = {
  better: 'text-success',
  worse: 'text-destructive',
  same: 'text-muted-foreground',
};

/** An arrow for better / worse / same, coloured unless `plain` (on a coloured badge). */
export function TrendMark({ value, plain = false }: { value: Trend; plain?: boolean }) {
  const Icon = trendIcon[value];
  return (
    <span className={cn('inline-flex items-center', !plain && trendClass[value])} title={value}>
      <Icon className="size-3.5" aria-hidden />
      <span className="sr-only">{value}</span>
    </span>
  );
}

/** TP/FP/FN/TN as a 2×2 table: verdicts in rows, the signal's call in columns. */
export function ConfusionTable({ counts, label }: { counts: ThresholdAgreement; label: string }) {
  const cell = 'px-1.5 py-0.5 text-right tabular-nums';
  return (
    <table className="text-[11px] leading-tight" aria-label={label}>
      <thead className="text-muted-foreground">
        <tr>
          <th />
          <th className="px-1.5 font-normal" title="Pairs the signal calls duplicates at this threshold">
            called dup
          </th>
          <th className="px-1.5 font-normal">not called</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th className="pr-1 text-left font-normal text-muted-foreground">decided dup</th>
          <td className={cell} title="TP: decided duplicate and called duplicate">
            TP {counts.tp}
          </td>
          <td className={cell} title="FN: decided duplicate but not called">
            FN {counts.fn}
          </td>
        </tr>
        <tr>
          <th className="pr-1 text-left font-normal text-muted-foreground">decided not</th>
          <td className={cell} title="FP: decided not a duplicate but called duplicate">
            FP {counts.fp}
          </td>
          <td className={cell} title="TN: decided not a duplicate and not called">
            TN {counts.tn}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

/** Precision, recall and MCC at the value in force beside those at the suggestion, with the counts. */
export function AgreementTable({
  current,
  suggested,
  currentLabel,
  suggestedLabel,
}: {
  current: ThresholdAgreement;
  suggested?: ThresholdAgreement;
  currentLabel: string;
  suggestedLabel: string;
}) {
  return (
    <table className="w-full max-w-2xl self-start text-sm">
      <thead className="text-left text-xs text-muted-foreground">
        <tr>
          <th className="py-1 pr-3 font-medium">Agreement with the decisions</th>
          <th className="py-1 pr-3 font-medium">{currentLabel}</th>
          <th className="py-1 font-medium">{suggestedLabel}</th>
        </tr>
      </thead>
      <tbody>
        {agreementMetrics.map((metric) => {
          const format = (a: ThresholdAgreement) =>
            metric.percent
              ? formatPercent(metricValue(a, metric.key))
              : formatScore(metricValue(a, metric.key), 3);
          const now = metricValue(current, metric.key);
          const then = suggested && metricValue(suggested, metric.key);
          return (
            <tr key={metric.key} className="border-t" data-metric={metric.key}>
              <th className="py-1 pr-3 text-left font-normal text-muted-foreground" title={metric.hint}>
                {metric.label}
              </th>
              <td className="py-1 pr-3 tabular-nums">{format(current)}</td>
              <td className="py-1 tabular-nums">
                {suggested ? (
                  <span className="inline-flex items-center gap-1">
                    {format(suggested)}
                    {now !== undefined && then !== undefined && <TrendMark value={trend(now, then)} />}
                  </span>
                ) : (
                  <span className="text-muted-foreground">–</span>
                )}
              </td>
            </tr>
          );
        })}
        <tr className="border-t align-top">
          <th className="py-1 pr-3 text-left font-normal text-muted-foreground">Counts</th>
          <td className="py-1 pr-3">
            <ConfusionTable counts={current} label={`Counts at ${currentLabel}`} />
          </td>
          <td className="py-1">
            {suggested ? (
              <ConfusionTable counts={suggested} label={`Counts at ${suggestedLabel}`} />
            ) : (
              <span className="text-muted-foreground">–</span>
            )}
          </td>
        </tr>
      </tbody>
    </table>
  );
}
