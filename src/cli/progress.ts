/** A one-line progress bar on a terminal; silent when the stream is not a TTY. */
export interface ProgressBar {
  update(done: number, total: number, label: string): void;
  clear(): void;
}

export function progressBar(stream: NodeJS.WriteStream, enabled: boolean): ProgressBar {
  if (!enabled || !stream.isTTY) return { update() {}, clear() {} };
  let lastDrawn = -1;
  return {
    update(done, total, label) {
      const width = 30;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      if (filled === lastDrawn && done !== total) return;
      lastDrawn = filled;
      const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
      stream.write(`\r${label} [${bar}] ${done}/${total}`);
    },
    clear() {
      if (lastDrawn >= 0) stream.write('\r\x1b[2K');
      lastDrawn = -1;
    },
  };
}
