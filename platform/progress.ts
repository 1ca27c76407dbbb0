import { SingleBar, Presets } from 'cli-progress';
import type { Logger } from './logger';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

/**
 * Progress of a long job: a bar on an interactive terminal, otherwise a structured log line every 10%, so that
 * CI logs and log collectors see it too.
 */
export function createProgress(label: string, total: number, log: Logger): Progress {
  const started = Date.now();
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, stream: process.stderr },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let reported = 0;
  return {
    update(done) {
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (percent < reported + 10 && done < total) return;
      reported = percent;
      log.info({ job: label, done, total, percent, elapsedMs: Date.now() - started }, `${label}: ${percent}%`);
    },
    stop: () => {},
  };
}
