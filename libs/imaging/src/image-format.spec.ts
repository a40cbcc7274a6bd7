import { mimeTypeForFileName } from './image-format';

describe('mimeTypeForFileName', () => {
  it.each([
    ['photo.jpg', 'image/jpeg'],
    ['photo.JPEG', 'image/jpeg'],
    ['scan.tif', 'image/tiff'],
    ['scan.tiff', 'image/tiff'],
    ['a/b/icon.png', 'image/png'],
    ['anim.webp', 'image/webp'],
    ['loop.gif', 'image/gif'],
    ['new.avif', 'image/avif'],
  ])('gives %s the allow-list type %s', (name, mime) => {
    expect(mimeTypeForFileName(name)).toBe(mime);
  });

  it.each(['drawing.svg', 'notes.txt', 'photo.heic', 'README', '.jpg.bak'])('refuses %s', (name) => {
    expect(mimeTypeForFileName(name)).toBeUndefined();
  });
});
