// The pure parts of `make seed`: which files to load, how an answer is classified, and how the
// tour is worded. No I/O here, so scripts/seed/tour.test.mjs can pin them down.

const CONTENT_TYPES = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.avif': 'image/avif',
};

/** Seed error: its message is the one line the script prints before exiting non-zero. */
export class SeedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SeedError';
  }
}

function extension(name) {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
}

/** The declared type sent with the upload (the server reads the real one from the bytes). */
export function contentTypeFor(name) {
  return CONTENT_TYPES[extension(name)] ?? 'application/octet-stream';
}

/** Image files of a folder listing, sorted so every run loads them in the same order. */
export function imageFiles(names, limit = Infinity) {
  return names
    .filter((name) => !name.startsWith('.') && extension(name) in CONTENT_TYPES)
    .sort()
    .slice(0, limit);
}

/**
 * What to do with a failed upload of one file: `rejected` when the server refused that image
 * (bad bytes, too big, wrong type: the tour counts it and goes on), `retry` when it asked to come
 * back later, `fatal` for everything else (auth, missing route, server errors).
 */
export function classifyUploadFailure(status) {
  if (status === 400 || status === 413 || status === 415 || status === 422) return 'rejected';
  if (status === 429 || status === 503) return 'retry';
  return 'fatal';
}

/** Seconds to wait before a retry: the server's Retry-After when it sent one, else a capped backoff. */
export function retryDelayMs(retryAfter, attempt) {
  const seconds = Number(retryAfter);
  if (retryAfter !== null && retryAfter !== undefined && Number.isFinite(seconds) && seconds >= 0) {
    return Math.min(seconds, 30) * 1000;
  }
  return Math.min(500 * 2 ** attempt, 8000);
}

/** One line for an error answer: `POST /api/x -> 503 busy: detail (request id r)`. */
export function problemLine(method, path, status, body) {
  let reason = '';
  if (body && typeof body === 'object') {
    const code = body.code ?? '';
    const detail = body.detail ?? body.title ?? body.message ?? '';
    reason = [code, detail].filter(Boolean).join(': ');
    if (body.request_id) reason += ` (request id ${body.request_id})`;
  } else if (typeof body === 'string' && body.trim()) {
    reason = body.trim().split('\n')[0].slice(0, 200);
  }
  return `${method} ${path} -> ${status}${reason ? ` ${reason}` : ''}`;
}

/** The one line for a fetch that never got an answer. */
export function unreachableLine(baseUrl, error) {
  const cause = error?.cause?.code ?? error?.cause?.message ?? error?.message ?? String(error);
  return `no Lookalike stack answers at ${baseUrl} (${cause}); start one with \`make demo\` or \`make up\`, or set SEED_URL`;
}

/** Counts of the upload outcomes. */
export function summarize(uploads) {
  const counts = { created: 0, duplicate: 0, rejected: 0 };
  for (const upload of uploads) counts[upload.outcome] = (counts[upload.outcome] ?? 0) + 1;
  return counts;
}

/** image id -> file name, duplicates included (a re-run answers `duplicate_of` the first copy). */
export function namesById(uploads) {
  const names = new Map();
  for (const upload of uploads) {
    const id = upload.imageId ?? upload.duplicateOf;
    if (id && !names.has(id)) names.set(id, upload.file);
  }
  return names;
}

/** The query image of the similarity tour: an original (no `__transform` suffix) if there is one. */
export function pickQueryImage(uploads) {
  const usable = uploads.filter((u) => u.imageId ?? u.duplicateOf);
  const original = usable.find((u) => !u.file.includes('__')) ?? usable[0];
  return original ? { id: original.imageId ?? original.duplicateOf, file: original.file } : undefined;
}

const KIND_ORDER = { exact: 0, near: 1, similar: 2 };

/** The group to show: the surest tier first (exact, then near, then similar), the largest within it. */
export function pickGroup(groups) {
  return [...groups].sort(
    (a, b) =>
      (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) ||
      b.members.length - a.members.length ||
      String(a.group_id).localeCompare(String(b.group_id)),
  )[0];
}

/** A job is over when it reaches one of these states (GET /api/jobs/{id}). */
export function jobFinished(job) {
  return ['succeeded', 'failed', 'cancelled'].includes(job.state);
}

const fixed = (value, digits = 3) => (typeof value === 'number' ? value.toFixed(digits) : '-');

function label(names, id) {
  const name = names.get(id);
  return name ? `${name} (${id})` : id;
}

export function formatGroup(group, names) {
  const lines = [
    `${group.kind} group ${group.group_id}, ${group.members.length} images, suggested keep: ${label(names, group.suggested_keep)}`,
  ];
  for (const member of group.members) {
    lines.push(
      `  ${member.image_id === group.suggested_keep ? '*' : ' '} ${label(names, member.image_id)}  hamming ${member.hamming ?? '-'}  cosine ${fixed(member.cosine)}`,
    );
  }
  return lines;
}

export function formatHits(hits, names) {
  if (hits.length === 0) return ['  (no hits)'];
  return hits.map(
    (hit, i) => `  ${String(i + 1).padStart(2)}. ${fixed(hit.score)}  ${label(names, hit.image_id)}`,
  );
}

export function formatAnomaly(item, names) {
  const c = item.components ?? {};
  const flags = item.quality_flags?.length ? item.quality_flags.join(', ') : 'none';
  return [
    `${label(names, item.image_id)}  score ${fixed(item.score)}`,
    `  components: dnn ${fixed(c.dnn)}, density ${fixed(c.density)}, ood ${fixed(c.ood)}, quality ${fixed(c.quality)}; quality flags: ${flags}`,
  ];
}
