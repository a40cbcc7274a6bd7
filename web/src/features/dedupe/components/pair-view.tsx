import { useState, type ReactNode } from 'react';

import { useImage } from '@/api/get-image';
import type { ImageRecord, PairEvidence } from '@/api/types';
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Label } from '@/components/ui/label';
import { Tabs, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { formatScore, shortId } from '@/lib/format';

import { EvidenceCaption, EvidenceOverlay, hasGeometry } from './pair-evidence';

type Mode = 'side' | 'difference' | 'blend';

/**
 * The pair to compare. With `evidence`, `a` is the group's suggested keep and `b` a member, and the
 * evidence says why they were called copies.
 */
export interface ComparedPair {
  a: string;
  b: string;
  hamming?: number | undefined;
  cosine?: number | undefined;
  evidence?: PairEvidence | undefined;
}

/**
 * An image fitted into a square, in a box of exactly its own shape so that an overlay covering the box
 * covers the picture. The shape is the stored size until the browser knows the decoded one.
 */
function FittedImage({
  src,
  alt,
  record,
  children,
}: {
  src: string;
  alt: string;
  record: ImageRecord | undefined;
  children?: ReactNode;
}) {
  const [decoded, setDecoded] = useState<number | null>(null);
  const stored = record ? record.payload.width / record.payload.height : NaN;
  const ratio = decoded ?? (Number.isFinite(stored) && stored > 0 ? stored : 1);
  return (
    // The square is as tall as it is wide, so a width of min(100%, ratio × 100%) fits either way.
    <div className="relative" style={{ aspectRatio: ratio, width: `min(100%, ${ratio * 100}%)` }}>
      <img
        src={src}
        alt={alt}
        className="size-full"
        onLoad={(e) => {
          const { naturalWidth, naturalHeight } = e.currentTarget;
          if (naturalWidth > 0 && naturalHeight > 0) setDecoded(naturalWidth / naturalHeight);
        }}
      />
      {children}
    </div>
  );
}

/**
 * Two images side by side, or stacked so that what differs stands out: `mix-blend-mode: difference`
 * paints identical pixels black, so a re-encode looks almost black and an edit lights up.
 */
export function PairView({ pair, onClose }: { pair: ComparedPair | null; onClose: () => void }) {
  const [mode, setMode] = useState<Mode>('side');
  const [blend, setBlend] = useState(50);
  const a = useImage(pair?.a);
  const b = useImage(pair?.b);
  const srcA = a.data?.preview_url;
  const srcB = b.data?.preview_url;
  const evidence = pair?.evidence;

  return (
    <Dialog open={pair !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="sm:max-w-5xl">
        <DialogHeader>
          <DialogTitle>Compare pair</DialogTitle>
          <DialogDescription>
            {pair && (
              <>
                <span className="font-mono">{shortId(pair.a)}</span> vs{' '}
                <span className="font-mono">{shortId(pair.b)}</span>
                {pair.hamming !== undefined && <> · pHash Hamming {pair.hamming}</>}
                {pair.cosine !== undefined && <> · cosine {formatScore(pair.cosine)}</>}
              </>
            )}
          </DialogDescription>
        </DialogHeader>
        <Tabs value={mode} onValueChange={(v) => setMode(v as Mode)}>
          <TabsList>
            <TabsTrigger value="side">Side by side</TabsTrigger>
            <TabsTrigger value="difference">Difference</TabsTrigger>
            <TabsTrigger value="blend">Blend</TabsTrigger>
          </TabsList>
        </Tabs>
        {mode === 'side' ? (
          <div className="grid grid-cols-2 gap-3">
            {[
              { id: pair?.a, src: srcA, record: a.data, side: 'keep' as const },
              { id: pair?.b, src: srcB, record: b.data, side: 'member' as const },
            ].map(({ id, src, record, side }) => (
              <figure key={id} className="grid content-start gap-1">
                <div className="flex aspect-square items-center justify-center overflow-hidden rounded-md bg-muted">
                  {src && (
                    <FittedImage src={src} alt={`Image ${id}`} record={record}>
                      {hasGeometry(evidence) && <EvidenceOverlay evidence={evidence} side={side} />}
                    </FittedImage>
                  )}
                </div>
                <figcaption className="grid gap-1 text-xs text-muted-foreground">
                  <span>
                    {evidence && (side === 'keep' ? 'Suggested keep · ' : 'Member · ')}
                    {record
                      ? `${record.payload.width}×${record.payload.height} ${record.payload.format} · quality ${formatScore(record.payload.quality_score, 2)}`
                      : 'Loading…'}
                  </span>
                  {evidence && side === 'member' && <EvidenceCaption evidence={evidence} />}
                </figcaption>
              </figure>
            ))}
          </div>
        ) : (
          <div className="grid gap-3">
            <div
              className="relative mx-auto aspect-square w-full max-w-xl overflow-hidden rounded-md bg-black"
              data-testid="pair-overlay"
            >
              {srcA && (
                <img
                  src={srcA}
                  alt={`Image ${pair?.a}`}
                  className="absolute inset-0 size-full object-contain"
                />
              )}
              {srcB && (
                <img
                  src={srcB}
                  alt={`Image ${pair?.b}`}
                  className="absolute inset-0 size-full object-contain"
                  style={mode === 'difference' ? { mixBlendMode: 'difference' } : { opacity: blend / 100 }}
                />
              )}
            </div>
            {mode === 'blend' ? (
              <Label className="mx-auto w-full max-w-xl font-normal">
                A
                <input
                  type="range"
                  min={0}
                  max={100}
                  value={blend}
                  onChange={(e) => setBlend(Number(e.target.value))}
                  className="flex-1 accent-primary"
                  aria-label="Blend between the two images"
                />
                B
              </Label>
            ) : (
              <p className="text-center text-xs text-muted-foreground">
                Black where the images agree; bright where they differ. Both are fitted to the same square, so
                a crop or a different aspect ratio shows as an outline.
              </p>
            )}
          </div>
        )}
      </DialogContent>
    </Dialog>
  );
}
