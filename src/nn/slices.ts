/**
 * Per-sample subarray views of a batch buffer, cached by the buffer's identity. Backend kernels take
 * plain Float32Arrays without offsets, so a layer that loops over images needs one view per image;
 * caching them means a layer called again on the same (reused) buffers allocates nothing.
 */
export class SampleViews {
  private source: Float32Array | null = null;
  private sampleSize = 0;
  private views: Float32Array[] = [];

  of(data: Float32Array, samples: number, sampleSize: number): Float32Array[] {
    if (data !== this.source || samples !== this.views.length || sampleSize !== this.sampleSize) {
      this.source = data;
      this.sampleSize = sampleSize;
      this.views = Array.from({ length: samples }, (_, i) =>
        data.subarray(i * sampleSize, (i + 1) * sampleSize),
      );
    }
    return this.views;
  }
}
