import { SlidersHorizontalIcon } from 'lucide-react';
import { useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Switch } from '@/components/ui/switch';
import { parseTags, qualityFlagLabels, qualityFlags, type QualityFlag } from '@/lib/format';

import type { SearchOptions } from '../api/search-similar';

export const defaultSearchOptions: SearchOptions = {
  limit: 60,
  useCrops: false,
  groupByVideo: false,
  filter: {},
};

function num(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

export function SearchFilters({ onApply }: { onApply: (options: SearchOptions) => void }) {
  const [tags, setTags] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [minQuality, setMinQuality] = useState('');
  const [maxNsfw, setMaxNsfw] = useState('');
  const [flags, setFlags] = useState<QualityFlag[]>([]);
  const [limit, setLimit] = useState('60');
  const [threshold, setThreshold] = useState('');
  const [gateOn, setGateOn] = useState(false);
  const [gate, setGate] = useState('10');
  const [crops, setCrops] = useState(false);
  const [perVideo, setPerVideo] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const tagList = parseTags(tags);
    onApply({
      limit: Math.max(1, Math.min(1000, Math.round(num(limit) ?? 60))),
      scoreThreshold: num(threshold),
      phashGate: gateOn ? Math.max(0, Math.min(64, Math.round(num(gate) ?? 10))) : undefined,
      useCrops: crops,
      groupByVideo: perVideo,
      filter: {
        ...(tagList.length ? { tags_any: tagList } : {}),
        // Dates are whole days in the reviewer's zone; the end day is included.
        ...(from ? { created_from: new Date(`${from}T00:00:00`).toISOString() } : {}),
        ...(to
          ? { created_to: new Date(new Date(`${to}T00:00:00`).getTime() + 86_400_000).toISOString() }
          : {}),
        ...(num(minQuality) !== undefined ? { min_quality: num(minQuality) } : {}),
        ...(num(maxNsfw) !== undefined ? { max_nsfw: num(maxNsfw) } : {}),
        ...(flags.length ? { flags_all: flags } : {}),
      },
    });
  };

  return (
    <Card className="gap-3">
      <CardHeader>
        <CardTitle className="flex items-center gap-2 text-base">
          <SlidersHorizontalIcon className="size-4" /> Filters
        </CardTitle>
      </CardHeader>
      <CardContent>
        <form className="grid gap-4" onSubmit={submit} aria-label="Search filters">
          <div className="grid gap-1.5">
            <Label htmlFor="f-tags">Tags (any of)</Label>
            <Input
              id="f-tags"
              value={tags}
              placeholder="catalogue, studio"
              onChange={(e) => setTags(e.target.value)}
            />
          </div>
          <div className="grid grid-cols-2 gap-2">
            <div className="grid gap-1.5">
              <Label htmlFor="f-from">From</Label>
              <Input id="f-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor="f-to">To</Label>
              <Input id="f-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
            </div>
          </div>
          <div className="grid grid-cols-2 gap-2">
            <div className="grid gap-1.5">
              <Label htmlFor="f-quality">Min quality</Label>
              <Input
                id="f-quality"
                type="number"
                min={0}
                max={1}
                step={0.05}
                placeholder="0–1"
                value={minQuality}
                onChange={(e) => setMinQuality(e.target.value)}
              />
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor="f-nsfw">NSFW below</Label>
              <Input
                id="f-nsfw"
                type="number"
                min={0}
                max={1}
                step={0.05}
                placeholder="0–1"
                value={maxNsfw}
                onChange={(e) => setMaxNsfw(e.target.value)}
              />
            </div>
          </div>
          <fieldset className="grid gap-2">
            <legend className="mb-1 text-sm font-medium">Quality flags (all of)</legend>
            <div className="grid grid-cols-2 gap-x-2 gap-y-1.5">
              {qualityFlags.map((flag) => (
                <Label key={flag} className="font-normal">
                  <Checkbox
                    checked={flags.includes(flag)}
                    onCheckedChange={(checked) =>
                      setFlags((current) =>
                        checked === true ? [...current, flag] : current.filter((f) => f !== flag),
                      )
                    }
                  />
                  {qualityFlagLabels[flag]}
                </Label>
              ))}
            </div>
          </fieldset>
          <div className="grid grid-cols-2 gap-2">
            <div className="grid gap-1.5">
              <Label htmlFor="f-limit">Limit</Label>
              <Input
                id="f-limit"
                type="number"
                min={1}
                max={1000}
                value={limit}
                onChange={(e) => setLimit(e.target.value)}
              />
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor="f-threshold">Score threshold</Label>
              <Input
                id="f-threshold"
                type="number"
                min={0}
                max={1}
                step={0.01}
                placeholder="none"
                value={threshold}
                onChange={(e) => setThreshold(e.target.value)}
              />
            </div>
          </div>
          <div className="flex items-center justify-between gap-2">
            <Label htmlFor="f-gate">pHash gate</Label>
            <div className="flex items-center gap-2">
              <Input
                aria-label="pHash gate, maximum Hamming distance"
                type="number"
                min={0}
                max={64}
                className="h-8 w-16"
                disabled={!gateOn}
                value={gate}
                onChange={(e) => setGate(e.target.value)}
              />
              <Switch id="f-gate" checked={gateOn} onCheckedChange={setGateOn} />
            </div>
          </div>
          <div className="flex items-center justify-between gap-2">
            <Label htmlFor="f-crops">Match crops</Label>
            <Switch id="f-crops" checked={crops} onCheckedChange={setCrops} />
          </div>
          <div className="flex items-center justify-between gap-2">
            <Label htmlFor="f-per-video" title="Of the frames of one video, only the best match is listed">
              One hit per video
            </Label>
            <Switch id="f-per-video" checked={perVideo} onCheckedChange={setPerVideo} />
          </div>
          <Button type="submit" variant="secondary">
            Apply filters
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}
