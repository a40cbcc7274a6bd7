import { useState } from 'react';

import { useImage } from '@/api/get-image';
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Label } from '@/components/ui/label';
import { Tabs, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { formatScore, shortId } from '@/lib/format';

type Mode = 'side' | 'difference' | 'blend';

/**
 * Two images side by side, or stacked so that what differs stands out: `mix-blend-mode: difference`
 * paints identical pixels black, so a re-encode looks almost black and an edit lights up.
 */
export function PairView({
  pair,
  onClose,
}: {
  pair: { a: string; b: string; hamming?: number | undefined; cosine?: number | undefined } | null;
  onClose: () => void;
}) {
  const [mode, setMode] = useState<Mode>('side');
  const [blend, setBlend] = useState(50);
  const a = useImage(pair?.a);
  const b = useImage(pair?.b);
  const srcA = a.data?.preview_url;
  const srcB = b.data?.preview_url;

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
              { id: pair?.a, src: srcA, record: a.data },
              { id: pair?.b, src: srcB, record: b.data },
            ].map(({ id, src, record }) => (
              <figure key={id} className="grid gap-1">
                <div className="flex aspect-square items-center justify-center overflow-hidden rounded-md bg-muted">
                  {src && (
                    <img src={src} alt={`Image ${id}`} className="max-h-full max-w-full object-contain" />
                  )}
                </div>
                <figcaption className="text-xs text-muted-foreground">
                  {record
                    ? `${record.payload.width}×${record.payload.height} ${record.payload.format} · quality ${formatScore(record.payload.quality_score, 2)}`
                    : 'Loading…'}
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
