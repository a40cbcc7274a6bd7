import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The vocabulary shipped with the service (copied from OpenAI CLIP, MIT, see assets/clip-tokenizer/LICENSE). */
export const DEFAULT_CLIP_VOCAB_PATH = resolve(
  __dirname,
  '../../assets/clip-tokenizer/bpe_simple_vocab_16e6.txt.gz',
);

export const CLIP_CONTEXT_LENGTH = 77;
export const CLIP_START_TOKEN = 49406;
export const CLIP_END_TOKEN = 49407;

/** 49152 tokens = 256 bytes + 256 bytes with `</w>` + merges + the two special tokens. */
const MERGE_COUNT = 49152 - 256 - 2;

export interface ClipTokenizerOptions {
  /** Path of `bpe_simple_vocab_16e6.txt.gz`; defaults to the copy in services/embedding/assets. */
  vocabPath?: string;
  contextLength?: number;
  /** Entries kept in the word -> BPE cache before it is cleared (bounds memory on adversarial input). */
  cacheSize?: number;
}

/**
 * GPT-2 style reversible byte -> unicode mapping: printable latin-1 bytes map to themselves, the rest
 * to code points from 256 up, so every byte sequence becomes a string without whitespace or controls.
 * `order` is the reference's vocabulary order (printable bytes first), which fixes the token ids.
 */
function bytesToUnicode(): { table: string[]; order: string[] } {
  const bytes: number[] = [];
  const ranges: Array<[number, number]> = [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ];
  for (const [from, to] of ranges) for (let b = from; b <= to; b++) bytes.push(b);
  const codes = [...bytes];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      codes.push(256 + extra++);
    }
  }
  const table = new Array<string>(256);
  bytes.forEach((b, i) => (table[b] = String.fromCodePoint(codes[i])));
  return { table, order: codes.map((c) => String.fromCodePoint(c)) };
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  hellip: '\u2026',
  mdash: '\u2014',
  ndash: '\u2013',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  laquo: '\u00ab',
  raquo: '\u00bb',
  deg: '\u00b0',
  eacute: '\u00e9',
  egrave: '\u00e8',
  agrave: '\u00e0',
  ccedil: '\u00e7',
  uuml: '\u00fc',
  ouml: '\u00f6',
  auml: '\u00e4',
  szlig: '\u00df',
  euro: '\u20ac',
  pound: '\u00a3',
  yen: '\u00a5',
  times: '\u00d7',
};

/**
 * Python's html.unescape for numeric references and the common named entities. The full HTML5
 * table (2,231 names) is not worth its weight for search queries; unknown names stay as written.
 */
export function unescapeHtml(text: string): string {
  return text.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);?/g, (match, body: string) => {
    if (body.startsWith('#')) {
      const code =
        body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!Number.isFinite(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        return '\ufffd';
      }
      return String.fromCodePoint(code);
    }
    const named = NAMED_ENTITIES[body];
    return named ?? match;
  });
}

const LIGATURES: Record<string, string> = {
  '\ufb00': 'ff',
  '\ufb01': 'fi',
  '\ufb02': 'fl',
  '\ufb03': 'ffi',
  '\ufb04': 'ffl',
  '\ufb05': 'st',
  '\ufb06': 'st',
  '\u0132': 'IJ',
  '\u0133': 'ij',
};

/**
 * The parts of ftfy.fix_text (which the reference tokenizer runs first) that matter for typed
 * queries: terminal escapes and control characters removed, curly quotes straightened, latin
 * ligatures and full-width forms expanded, NFC. Mojibake repair is left out: queries arrive as
 * proper UTF-8 through the API.
 */
export function ftfyLite(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')
      .replace(/[\u2018\u2019\u201a\u201b]/g, "'")
      .replace(/[\u201c\u201d\u201e\u201f]/g, '"')
      .replace(/[\ufb00-\ufb06\u0132\u0133]/g, (c) => LIGATURES[c] ?? c)
      .replace(/[\uff01-\uff5e\u3000]/g, (c) => c.normalize('NFKC'))
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g, '')
      .normalize('NFC')
  );
}

/** Reference `basic_clean` + `whitespace_clean` + lower-casing. */
export function cleanText(text: string): string {
  const basic = unescapeHtml(unescapeHtml(ftfyLite(text))).trim();
  return basic.replace(/\s+/gu, ' ').trim().toLowerCase();
}

/** The reference pre-tokenizer: special tokens, English contractions, letter runs, single digits, symbol runs. */
const PRE_TOKENIZER =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/**
 * CLIP's byte-level BPE tokenizer (OpenAI `simple_tokenizer.py`, shared by OpenCLIP ViT-B/32):
 * same cleaning, same pre-tokenizer, same merges, `<|startoftext|>`/`<|endoftext|>` around the text,
 * truncated to the context length with the end token kept, zero padded.
 */
export class ClipTokenizer {
  readonly contextLength: number;
  private readonly encoder = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly byteEncoder: string[];
  private readonly cache = new Map<string, string[]>();
  private readonly cacheSize: number;

  constructor(options: ClipTokenizerOptions = {}) {
    this.contextLength = options.contextLength ?? CLIP_CONTEXT_LENGTH;
    this.cacheSize = options.cacheSize ?? 50_000;
    if (this.contextLength < 2)
      throw new RangeError('the context length must leave room for the start and end tokens');
    const text = gunzipSync(readFileSync(options.vocabPath ?? DEFAULT_CLIP_VOCAB_PATH)).toString('utf8');
    const lines = text.split('\n').slice(1, MERGE_COUNT + 1);
    if (lines.length !== MERGE_COUNT) {
      throw new Error(`the CLIP vocabulary holds ${lines.length} merges, expected ${MERGE_COUNT}`);
    }
    const { table, order } = bytesToUnicode();
    this.byteEncoder = table;
    const vocab: string[] = [...order, ...order.map((c) => `${c}</w>`)];
    lines.forEach((line, rank) => {
      const [first, second] = line.split(' ');
      if (first === undefined || second === undefined) throw new Error(`malformed merge line ${rank + 2}`);
      this.ranks.set(`${first} ${second}`, rank);
      vocab.push(first + second);
    });
    vocab.push('<|startoftext|>', '<|endoftext|>');
    vocab.forEach((token, id) => this.encoder.set(token, id));
  }

  /** BPE token ids of the cleaned text, without start/end tokens and without truncation. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const match of cleanText(text).matchAll(PRE_TOKENIZER)) {
      const word = match[0];
      if (word === '<|startoftext|>' || word === '<|endoftext|>') {
        ids.push(word === '<|startoftext|>' ? CLIP_START_TOKEN : CLIP_END_TOKEN);
        continue;
      }
      const unicode = Array.from(Buffer.from(word, 'utf8'), (b) => this.byteEncoder[b]).join('');
      for (const piece of this.bpe(unicode)) {
        const id = this.encoder.get(piece);
        if (id === undefined) throw new Error(`BPE produced a piece outside the vocabulary: ${piece}`);
        ids.push(id);
      }
    }
    return ids;
  }

  /** Model input for one text: start token, ids, end token, truncated (end token kept) and zero padded. */
  tokenize(text: string): Int32Array {
    const out = new Int32Array(this.contextLength);
    const ids = this.encode(text);
    const body = ids.slice(0, this.contextLength - 2);
    out[0] = CLIP_START_TOKEN;
    out.set(body, 1);
    out[body.length + 1] = CLIP_END_TOKEN;
    return out;
  }

  /** `[texts.length, contextLength]` int64 ids, row-major, ready for an ONNX `input_ids` tensor. */
  tokenizeBatch(texts: readonly string[]): BigInt64Array {
    const out = new BigInt64Array(texts.length * this.contextLength);
    texts.forEach((text, row) => {
      const ids = this.tokenize(text);
      for (let i = 0; i < ids.length; i++) out[row * this.contextLength + i] = BigInt(ids[i]);
    });
    return out;
  }

  private bpe(token: string): string[] {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const chars = Array.from(token);
    let word = [...chars.slice(0, -1), `${chars[chars.length - 1]}</w>`];
    while (word.length > 1) {
      let best: [string, string] | undefined;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = [word[i], word[i + 1]];
        }
      }
      if (!best) break;
      const [first, second] = best;
      const merged: string[] = [];
      for (let i = 0; i < word.length;) {
        if (word[i] === first && i < word.length - 1 && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i]);
          i += 1;
        }
      }
      word = merged;
    }
    if (this.cache.size >= this.cacheSize) this.cache.clear();
    this.cache.set(token, word);
    return word;
  }
}
