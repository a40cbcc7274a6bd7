/**
 * A uniform grid over the map's unit square for hit-testing: points are bucketed by cell with a
 * counting sort (two passes, typed arrays), so building it is O(n) and a lookup scans only the cells
 * a small circle around the pointer touches.
 */
export interface PointGrid {
  /** Cells per side. */
  size: number;
  /** Start of each cell's run in `items`; cell c holds items[cellStart[c] .. cellStart[c + 1]). */
  cellStart: Int32Array;
  /** Point indices ordered by cell. */
  items: Int32Array;
  xs: Float32Array;
  ys: Float32Array;
}

/** About this many points share a cell on average; a lookup reads a few cells, so a few points each. */
const pointsPerCell = 4;
const maxCellsPerSide = 1024;

const cellOf = (value: number, size: number) => {
  const cell = Math.floor(value * size);
  return cell < 0 ? 0 : cell >= size ? size - 1 : cell;
};

/** Coordinates are expected in 0..1 (the map's); anything outside lands in the border cells. */
export function buildGrid(xs: Float32Array, ys: Float32Array): PointGrid {
  const n = xs.length;
  const size = Math.max(1, Math.min(maxCellsPerSide, Math.ceil(Math.sqrt(n / pointsPerCell))));
  const cells = new Int32Array(n);
  const cellStart = new Int32Array(size * size + 1);
  for (let i = 0; i < n; i += 1) {
    const cell = cellOf(ys[i]!, size) * size + cellOf(xs[i]!, size);
    cells[i] = cell;
    cellStart[cell + 1] = cellStart[cell + 1]! + 1;
  }
  for (let c = 0; c < size * size; c += 1) cellStart[c + 1] = cellStart[c + 1]! + cellStart[c]!;
  const fill = cellStart.slice(0, size * size);
  const items = new Int32Array(n);
  for (let i = 0; i < n; i += 1) {
    const cell = cells[i]!;
    const slot = fill[cell]!;
    items[slot] = i;
    fill[cell] = slot + 1;
  }
  return { size, cellStart, items, xs, ys };
}

/**
 * The point nearest to (x, y) within `radius` (all in map units), or -1. Ties go to the later point,
 * which is the one drawn on top.
 */
export function nearestPoint(grid: PointGrid, x: number, y: number, radius: number): number {
  const { size, cellStart, items, xs, ys } = grid;
  if (items.length === 0 || !(radius > 0)) return -1;
  if (x + radius < 0 || x - radius > 1 || y + radius < 0 || y - radius > 1) return -1;
  const x0 = cellOf(x - radius, size);
  const x1 = cellOf(x + radius, size);
  const y0 = cellOf(y - radius, size);
  const y1 = cellOf(y + radius, size);
  let best = -1;
  let bestDistance = radius * radius;
  for (let cy = y0; cy <= y1; cy += 1) {
    for (let cx = x0; cx <= x1; cx += 1) {
      const cell = cy * size + cx;
      for (let k = cellStart[cell]!; k < cellStart[cell + 1]!; k += 1) {
        const i = items[k]!;
        const dx = xs[i]! - x;
        const dy = ys[i]! - y;
        const distance = dx * dx + dy * dy;
        if (distance < bestDistance || (distance === bestDistance && i > best)) {
          best = i;
          bestDistance = distance;
        }
      }
    }
  }
  return best;
}
