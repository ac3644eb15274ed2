// How a DICOM image becomes pixels on a screen, and what is written around it: the
// window/level transform DICOM defines (PS3.3 C.11.2.1.2.1) over modality values, the
// patient orientation letters of the image's edges, and lengths in mm or pixels.
// Pure functions, so the numbers people read can be checked without a browser.

/** The windows a receiver of a CT expects one click away (Hounsfield units). */
export const CT_PRESETS = {
  bone: { center: 500, width: 2000 },
  soft: { center: 40, width: 400 },
};

// The range of stored values a typed array can hold, for the arrays small enough to
// look every value up in one table rather than compute it per pixel.
const LUT_RANGES = new Map([
  [Uint8Array, [0, 255]],
  [Int8Array, [-128, 127]],
  [Uint16Array, [0, 65535]],
  [Int16Array, [-32768, 32767]],
]);

/**
 * The display gray level (0–255) of modality value `x` under the window `center`/`width`,
 * as DICOM's linear VOI function defines it.
 */
export function windowByte(x, center, width) {
  const w = Math.max(width, 1);
  const low = center - 0.5 - (w - 1) / 2;
  const high = center - 0.5 + (w - 1) / 2;
  if (x <= low) return 0;
  if (x > high) return 255;
  return Math.round(((x - (center - 0.5)) / (w - 1) + 0.5) * 255);
}

// One opaque gray pixel as the canvas stores it (RGBA bytes in a little-endian word).
const grayPixel = (g) => (0xff000000 | (g << 16) | (g << 8) | g) >>> 0;

/**
 * Paints gray frames through a look-up table kept for as long as the window, the
 * rescale and the kind of stored values stay the same, so scrolling a series costs
 * one table look-up per pixel.
 */
export class GrayPainter {
  #key = "";
  #lut = null;

  /**
   * Write `frame` (`{width, height, values, slope, intercept, invert}`) under `window`
   * into `rgba` (width × height × 4 bytes).
   */
  paint(frame, window, rgba) {
    const out = new Uint32Array(rgba.buffer, rgba.byteOffset, frame.width * frame.height);
    const { values, slope, intercept, invert } = frame;
    const range = LUT_RANGES.get(values.constructor);
    const gray = (stored) => {
      const g = windowByte(stored * slope + intercept, window.center, window.width);
      return grayPixel(invert ? 255 - g : g);
    };
    if (!range) {
      for (let i = 0; i < out.length; i += 1) out[i] = gray(values[i]);
      return;
    }
    const [min, max] = range;
    const key = [values.constructor.name, slope, intercept, invert, window.center, window.width].join();
    if (key !== this.#key) {
      this.#lut = new Uint32Array(max - min + 1);
      for (let v = min; v <= max; v += 1) this.#lut[v - min] = gray(v);
      this.#key = key;
    }
    const lut = this.#lut;
    for (let i = 0; i < out.length; i += 1) out[i] = lut[values[i] - min];
  }
}

/** The lowest and highest modality values of a gray frame. */
export function modalityRange(frame) {
  let low = Infinity;
  let high = -Infinity;
  for (const v of frame.values) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const ends = [low * frame.slope + frame.intercept, high * frame.slope + frame.intercept];
  return { min: Math.min(...ends), max: Math.max(...ends) };
}

/** The window that spans `min`–`max` exactly (min shows black, max white). */
export function windowSpanning({ min, max }) {
  return { center: (min + max + 1) / 2, width: Math.max(max - min + 1, 1) };
}

/** The window after a drag of `dx`, `dy` screen pixels: right widens, down raises the center. */
export function draggedWindow(window, dx, dy) {
  const step = Math.max(window.width / 300, 0.05);
  return { center: window.center + dy * step, width: Math.max(1, window.width + dx * step) };
}

// An oblique direction reads as two or three letters, strongest first, as DICOM's
// Patient Orientation writes them; components too small to matter are left out.
function directionLetters(vector) {
  return [
    [vector[0], "L", "R"],
    [vector[1], "P", "A"],
    [vector[2], "H", "F"],
  ]
    .filter(([component]) => Math.abs(component) >= 0.25)
    .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]))
    .map(([component, toward, away]) => (component > 0 ? toward : away))
    .join("");
}

/**
 * The letters of an image's four edges, from the patient direction of its rows
 * (`right`: along increasing columns) and of its columns (`down`).
 */
export function edgeMarkers(right, down) {
  const minus = (v) => v.map((c) => -c);
  return {
    left: directionLetters(minus(right)),
    right: directionLetters(right),
    top: directionLetters(minus(down)),
    bottom: directionLetters(down),
  };
}

/**
 * The length of the line from `a` to `b` (image pixels, `{x, y}`), in mm when the
 * spacing (`{horizontal, vertical}` in mm, `detector` when measured at the detector
 * rather than in the patient) is known, else in pixels; with the words to show.
 */
export function measuredLength(a, b, spacing) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  if (!spacing) {
    const pixels = Math.hypot(dx, dy);
    return { value: pixels, unit: "px", text: `${pixels.toFixed(1)} pixels (no pixel spacing in the file)` };
  }
  const mm = Math.hypot(dx * spacing.horizontal, dy * spacing.vertical);
  const where = spacing.detector ? " at the detector" : "";
  return { value: mm, unit: "mm", text: `${mm.toFixed(1)} mm${where}` };
}

/** A number of mm as people read it: no more decimals than it has, at most two. */
export function formatMm(value) {
  return `${Number(value.toFixed(2))} mm`;
}
