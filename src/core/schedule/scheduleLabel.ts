// The display name of each schedule (the hover's what-if rows, the bubble hint, the sweep): engine.ts re-exports it.
import type { ScheduleName } from '../types';

export function scheduleLabel(name: ScheduleName, k: number, v: number): string {
  switch (name) {
    case 'gpipe':
      return 'GPipe';
    case '1f1b':
      return '1F1B';
    case '1f1b-interleaved':
      return `interleaved 1F1B v=${v}`;
    case 'seq1f1b':
      return `Seq1F1B k=${k}`;
    case 'seq1f1b-interleaved':
      return `Seq1F1B-I k=${k} v=${v}`;
    case 'zb-h1':
      return 'ZB-H1';
    case 'seq1f1b-zb':
      return `Seq1F1B-ZB k=${k}`;
    case 'zb-h2':
      return 'ZB-H2';
    case 'zb-v':
      return 'ZB-V';
    case 'dualpipev':
      return 'DualPipeV';
    case 'dualpipe':
      return 'DualPipe';
    case 'v-half':
      return 'V-Half';
    case 'v-min':
      return 'V-Min';
    case 'group-interleaved':
      return `group-interleaved 1F1B v=${v}`;
  }
}
