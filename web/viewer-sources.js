// Where a plane's frames and the words around them come from: the series' own images
// (decoded on demand, or served by the volume once it holds them at full resolution),
// or a plane cut through the volume. Each says its default window, its pixel spacing,
// its patient directions and what a receiver reads in its corner.

import { formatMm, modalityRange, windowSpanning } from "./viewer-draw.js";
import { failureSentence } from "./viewer-series.js";
import { sliceNormal } from "./viewer-stack.js";
import { planeLayout, planeName } from "./viewer-volume.js";

// The images of the series as the acquired plane shows them, decoded on demand; once a
// full-resolution volume exists, its slices serve them without decoding again.
export class AcquiredSource {
  unit = "image";

  constructor(viewer, frames, store) {
    this.viewer = viewer;
    this.frames = frames;
    this.store = store;
    this.count = frames.length;
    const orientation = frames[0].header.orientation;
    this.name = orientation ? planeName(sliceNormal(orientation)) : "Images";
    this.ranges = new WeakMap();
  }

  frame(index, ready) {
    const volume = this.viewer.volume;
    if (volume?.factor !== 1) return this.store.want(index, ready);
    this.layout ??= planeLayout(volume, 2);
    return { frame: this.viewer.volumeFrame(this.layout, index) };
  }

  defaultWindow(index, frame) {
    const own = this.frames[index].header.windows?.[0];
    if (own?.width > 0) return own;
    if (!this.ranges.has(frame)) this.ranges.set(frame, windowSpanning(modalityRange(frame)));
    return this.ranges.get(frame);
  }

  spacing(index) {
    const { pixelSpacing, spacingSource } = this.frames[index].header;
    return pixelSpacing ? { horizontal: pixelSpacing[1], vertical: pixelSpacing[0], detector: spacingSource === "detector" } : null;
  }

  orientation(index) {
    const orientation = this.frames[index].header.orientation;
    return orientation ? { right: orientation.slice(0, 3), down: orientation.slice(3, 6) } : null;
  }

  describe(index) {
    const { along, header } = this.frames[index];
    const lines = [`Image ${index + 1} of ${this.count}`];
    if (along !== null) lines.push(`Position ${formatMm(along)}`);
    if (header.sliceThickness > 0) lines.push(`Thickness ${formatMm(header.sliceThickness)}`);
    return lines;
  }

  failure(index, error) {
    return failureSentence(this.viewer.nameOf(this.frames[index].file), error);
  }
}

// A plane cut through the volume across one of its axes.
export class ReconstructedSource {
  unit = "slice";

  constructor(viewer, layout) {
    this.viewer = viewer;
    this.layout = layout;
    this.count = layout.count;
    this.name = layout.name;
  }

  frame(index) {
    return { frame: this.viewer.volumeFrame(this.layout, index) };
  }

  defaultWindow() {
    return this.viewer.volumeWindow;
  }

  spacing() {
    return { horizontal: this.layout.h.spacing, vertical: this.layout.v.spacing, detector: false };
  }

  orientation() {
    return { right: this.layout.right, down: this.layout.down };
  }

  describe(index) {
    const spacing = this.viewer.volume.spacing[this.layout.fixed];
    const position = this.viewer.positionOf(this.layout, index);
    return [`Slice ${index + 1} of ${this.count}`, `Position ${formatMm(position)}`, `Spacing ${formatMm(spacing)}`];
  }

  failure(index, error) {
    return failureSentence(`${this.name} slice ${index + 1}`, error);
  }
}
