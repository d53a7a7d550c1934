/**
 * @module protocols/nn/im2col
 * The public index maps that turn a convolution or a pooling window into a matrix product or
 * a row reduction over gathered shares (local, no communication). Padding is read from one extra
 * zero element appended to the input, so a padded position costs nothing and reveals nothing.
 */
import { windowOut } from '../model/layer-shape.js';

/** Geometry of a sliding window over a batch of NCHW images. */
export interface WindowGeometry {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  /** [top, left, bottom, right] */
  readonly pads: readonly [number, number, number, number];
}

/** Output height and width of the window geometry. */
export function windowOutput(g: WindowGeometry): [number, number] {
  return [
    windowOut(g.height, g.kernel[0], g.strides[0], g.pads[0], g.pads[2]),
    windowOut(g.width, g.kernel[1], g.strides[1], g.pads[1], g.pads[3]),
  ];
}

/**
 * im2col for a convolution: a [C*kh*kw, B*oh*ow] row-major index matrix into the input
 * [B, C, H, W]; padded positions point at index B*C*H*W (the appended zero).
 */
export function convColumns(g: WindowGeometry): Uint32Array {
  const { batch, channels: c, height: h, width: w } = g;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides;
  const [pt, pl] = g.pads;
  const [oh, ow] = windowOutput(g);
  const zero = batch * c * h * w;
  const cols = batch * oh * ow;
  const idx = new Uint32Array(c * kh * kw * cols);
  for (let ci = 0; ci < c; ci++) {
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        const row = (ci * kh + u) * kw + v;
        for (let b = 0; b < batch; b++) {
          for (let i = 0; i < oh; i++) {
            const r = i * sh + u - pt;
            for (let j = 0; j < ow; j++) {
              const q = j * sw + v - pl;
              const inside = r >= 0 && r < h && q >= 0 && q < w;
              idx[row * cols + (b * oh + i) * ow + j] = inside ? ((b * c + ci) * h + r) * w + q : zero;
            }
          }
        }
      }
    }
  }
  return idx;
}

/**
 * Pooling windows: a [B*C*oh*ow, kh*kw] index matrix (one row per output, one column per window
 * position) into the input [B, C, H, W]. Padded positions point at index B*C*H*W, which the
 * caller fills with the padding value (0 for average pooling).
 */
export function poolWindows(g: WindowGeometry): Uint32Array {
  const { batch, channels: c, height: h, width: w } = g;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides;
  const [pt, pl] = g.pads;
  const [oh, ow] = windowOutput(g);
  const pad = batch * c * h * w;
  const k = kh * kw;
  const idx = new Uint32Array(batch * c * oh * ow * k);
  for (let bc = 0; bc < batch * c; bc++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const out = (bc * oh + i) * ow + j;
        for (let u = 0; u < kh; u++) {
          const r = i * sh + u - pt;
          for (let v = 0; v < kw; v++) {
            const q = j * sw + v - pl;
            const inside = r >= 0 && r < h && q >= 0 && q < w;
            idx[out * k + u * kw + v] = inside ? (bc * h + r) * w + q : pad;
          }
        }
      }
    }
  }
  return idx;
}
