import { execFile } from 'node:child_process';
import { videoErrors } from './video-errors';

/** Where ffmpeg and ffprobe are (`FFMPEG_PATH`, `FFPROBE_PATH`; default: found on PATH). */
export interface VideoTools {
  ffmpeg: string;
  ffprobe: string;
}

export const DEFAULT_VIDEO_TOOLS: VideoTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

export type VideoToolsStatus =
  | { available: true; tools: VideoTools; ffmpegVersion: string; ffprobeVersion: string }
  | { available: false; tools: VideoTools; missing: 'ffmpeg' | 'ffprobe'; reason: string };

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool with arguments (never through a shell), bounded in time and output. Rejects with the
 * tool's exit code, signal and stderr tail, or `timeout: true` when it was killed for its time.
 */
export function runTool(
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; maxOutputBytes?: number },
): Promise<RunResult> {
  return new Promise((done, fail) => {
    execFile(
      file,
      args,
      {
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: options.maxOutputBytes ?? 16 * 1024 * 1024,
        encoding: 'utf8',
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (!error) {
          done({ stdout, stderr });
          return;
        }
        const failure = error as NodeJS.ErrnoException & {
          killed?: boolean;
          signal?: string;
          code?: unknown;
        };
        fail(
          Object.assign(new Error(`${file} failed: ${stderr.slice(-2000) || failure.message}`), {
            cause: error,
            notFound: failure.code === 'ENOENT',
            timeout: failure.killed === true && failure.signal === 'SIGKILL',
            stderr,
          }),
        );
      },
    );
  });
}

async function versionOf(file: string): Promise<string> {
  const { stdout } = await runTool(file, ['-hide_banner', '-version'], { timeoutMs: 10_000 });
  return /version (\S+)/.exec(stdout)?.[1] ?? stdout.split('\n')[0] ?? 'unknown';
}

/** Whether ffmpeg and ffprobe run here, and their versions (checked once at start by the service). */
export async function detectVideoTools(tools: VideoTools = DEFAULT_VIDEO_TOOLS): Promise<VideoToolsStatus> {
  let ffmpegVersion: string;
  try {
    ffmpegVersion = await versionOf(tools.ffmpeg);
  } catch (error) {
    return { available: false, tools, missing: 'ffmpeg', reason: reasonOf(tools.ffmpeg, error) };
  }
  try {
    return { available: true, tools, ffmpegVersion, ffprobeVersion: await versionOf(tools.ffprobe) };
  } catch (error) {
    return { available: false, tools, missing: 'ffprobe', reason: reasonOf(tools.ffprobe, error) };
  }
}

function reasonOf(file: string, error: unknown): string {
  if ((error as { notFound?: boolean }).notFound)
    return `${file} was not found (install Debian's ffmpeg package or set its path)`;
  return error instanceof Error ? error.message.slice(0, 300) : String(error);
}

/** Throws the 501 that names the missing tool when video support is unavailable. */
export function assertVideoTools(status: VideoToolsStatus): VideoTools {
  if (!status.available) throw videoErrors.toolMissing(status.missing, status.reason);
  return status.tools;
}
