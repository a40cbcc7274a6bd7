import { CLIP_END_TOKEN, CLIP_START_TOKEN, ClipTokenizer, cleanText, unescapeHtml } from './clip-tokenizer';

describe('ClipTokenizer', () => {
  const sut = new ClipTokenizer();

  const withMarkers = (text: string): number[] => {
    const ids = Array.from(sut.tokenize(text));
    return ids.slice(0, ids.indexOf(CLIP_END_TOKEN) + 1);
  };

  it.each([
    ['a photo of a cat', [49406, 320, 1125, 539, 320, 2368, 49407]],
    ['a diagram', [49406, 320, 22697, 49407]],
    ['a dog', [49406, 320, 1929, 49407]],
    ['A red car parked near the beach!', [49406, 320, 736, 1615, 16487, 2252, 518, 2117, 256, 49407]],
    ['logo', [49406, 5750, 49407]],
  ])('matches the reference ids for %j', (text, expected) => {
    expect(withMarkers(text)).toEqual(expected);
  });

  it('pads to 77 tokens with zeros after the end token', () => {
    const ids = sut.tokenize('a dog');
    expect(ids).toHaveLength(77);
    expect(Array.from(ids.slice(4))).toEqual(new Array(73).fill(0));
  });

  it('truncates long text to 77 tokens and keeps the end token last', () => {
    const long = Array.from({ length: 120 }, () => 'dog').join(' ');
    const ids = sut.tokenize(long);
    expect(ids).toHaveLength(77);
    expect(ids[0]).toBe(CLIP_START_TOKEN);
    expect(ids[76]).toBe(CLIP_END_TOKEN);
    expect(Array.from(ids.slice(1, 76))).toEqual(new Array(75).fill(1929));
    expect(sut.encode(long)).toHaveLength(120);
  });

  it('lower-cases the text', () => {
    expect(withMarkers('A PHOTO OF A CAT')).toEqual(withMarkers('a photo of a cat'));
    expect(withMarkers('LoGo')).toEqual([49406, 5750, 49407]);
  });

  it('collapses and trims whitespace, tabs and newlines', () => {
    expect(withMarkers('  a \t photo\n\nof   a cat  ')).toEqual(withMarkers('a photo of a cat'));
    expect(cleanText('  a \t photo\n\nof   a cat  ')).toBe('a photo of a cat');
  });

  it('unescapes HTML entities twice, as the reference does', () => {
    expect(unescapeHtml('cats &amp; dogs &#33; &#x21; &unknown;')).toBe('cats & dogs ! ! &unknown;');
    expect(cleanText('cats &amp;amp; dogs')).toBe('cats & dogs');
    expect(withMarkers('a red car parked near the beach&#33;')).toEqual(
      withMarkers('A red car parked near the beach!'),
    );
  });

  it('straightens curly quotes and expands ligatures and full-width letters', () => {
    expect(cleanText('\u201cthe \ufb01sh\u201d \uff41\uff42c')).toBe('"the fish" abc');
    expect(withMarkers('the cat\u2019s toy')).toEqual(withMarkers("the cat's toy"));
  });

  it('splits digits into single tokens and handles non-latin text via byte fallback', () => {
    const digits = sut.encode('2024');
    expect(digits).toHaveLength(4);
    expect(sut.encode('\u732b').length).toBeGreaterThan(0);
    expect(sut.encode('\u{1f431}').every((id) => id >= 0 && id < CLIP_START_TOKEN)).toBe(true);
  });

  it('packs a batch into int64 rows of the context length', () => {
    const batch = sut.tokenizeBatch(['a dog', 'logo']);
    expect(batch).toHaveLength(2 * 77);
    expect(Array.from(batch.slice(0, 4), Number)).toEqual([49406, 320, 1929, 49407]);
    expect(Array.from(batch.slice(77, 80), Number)).toEqual([49406, 5750, 49407]);
  });

  it('answers an empty string with just the start and end tokens', () => {
    expect(withMarkers('   ')).toEqual([CLIP_START_TOKEN, CLIP_END_TOKEN]);
  });
});
