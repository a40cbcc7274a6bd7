import type { VideoFrame, VideoShot } from '@/api/types';
import { ImageThumb } from '@/components/image-thumb';
import { formatTimestamp } from '@/lib/format';
import { cn } from '@/lib/utils';

interface ShotFrames {
  shotId: number;
  /** The shot's range when the record lists it. */
  shot?: VideoShot;
  frames: VideoFrame[];
}

/** Frames (in time order) grouped by the shot they belong to, in the order the shots start. */
function groupByShot(frames: VideoFrame[], shots: VideoShot[]): ShotFrames[] {
  const groups: ShotFrames[] = [];
  for (const frame of frames) {
    const last = groups.at(-1);
    if (last && last.shotId === frame.shot_id) last.frames.push(frame);
    else
      groups.push({
        shotId: frame.shot_id,
        shot: shots.find((s) => s.shot_id === frame.shot_id),
        frames: [frame],
      });
  }
  return groups;
}

/** The frame on screen at `ms`: the last kept frame at or before it. */
export function frameAt(frames: VideoFrame[], ms: number): VideoFrame | undefined {
  let current: VideoFrame | undefined;
  // A small tolerance: a seek to a frame's time may land a few ms before it.
  for (const frame of frames) if (frame.t_ms <= ms + 50) current = frame;
  return current;
}

/**
 * The kept frames as a strip of thumbnails with their times, grouped by shot. Clicking a frame seeks
 * the player to it; the frame on screen is highlighted.
 */
export function Filmstrip({
  frames,
  shots,
  currentMs,
  onSeek,
}: {
  frames: VideoFrame[];
  shots: VideoShot[];
  currentMs: number;
  onSeek: (frame: VideoFrame) => void;
}) {
  const current = frameAt(frames, currentMs);
  const groups = groupByShot(frames, shots);
  return (
    <ol className="flex gap-3 overflow-x-auto pb-2" aria-label="Frames">
      {groups.map((group, index) => (
        <li
          key={`${group.shotId}-${index}`}
          className="grid shrink-0 content-start gap-1.5 rounded-lg border bg-muted/40 p-1.5"
          data-testid="filmstrip-shot"
        >
          <div className="flex items-baseline justify-between gap-2 px-0.5 text-xs">
            <span className="font-medium">Shot {index + 1}</span>
            {group.shot && (
              <span className="font-mono text-muted-foreground">
                {formatTimestamp(group.shot.start_ms)}–{formatTimestamp(group.shot.end_ms)}
              </span>
            )}
          </div>
          <ol className="flex gap-1.5">
            {group.frames.map((frame) => {
              const active = frame.image_id === current?.image_id;
              const time = formatTimestamp(frame.t_ms);
              return (
                <li key={frame.image_id} data-testid="filmstrip-frame">
                  <button
                    type="button"
                    onClick={() => onSeek(frame)}
                    aria-label={`Play from ${time} (shot ${index + 1})`}
                    aria-current={active ? 'true' : undefined}
                    className={cn(
                      'grid w-32 gap-1 rounded-md p-0.5 text-left outline-none focus-visible:ring-[3px] focus-visible:ring-ring',
                      active ? 'bg-primary text-primary-foreground' : 'hover:bg-accent',
                    )}
                  >
                    <ImageThumb
                      imageId={frame.image_id}
                      src={frame.thumbnail_url || undefined}
                      alt={`Frame at ${time}`}
                      className="aspect-video rounded"
                    />
                    <span className="px-1 font-mono text-xs tabular-nums" data-testid="frame-time">
                      {time}
                    </span>
                  </button>
                </li>
              );
            })}
          </ol>
        </li>
      ))}
    </ol>
  );
}
