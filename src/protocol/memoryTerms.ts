// The memory breakdown's terms in the order and words every surface uses (issue 13): the CLI's and the hover's sum
// (report/text.ts memoryBreakdownSummary) and the panel's stacked bars (webview/memoryView/memoryCharts.ts).
import type { MemoryBreakdown } from '../core/types';

export interface MemoryTerm {
  key: keyof MemoryBreakdown;
  label: string;
}

export const MEMORY_TERMS: readonly MemoryTerm[] = [
  { key: 'weights', label: 'weights' },
  { key: 'grads', label: 'grads' },
  { key: 'paramGather', label: 'param all-gather' },
  { key: 'gradBuckets', label: 'grad buckets' },
  { key: 'optimizer', label: 'optimizer' },
  { key: 'activations', label: 'activations' },
  { key: 'kvCache', label: 'K/V cache' },
  { key: 'logits', label: 'logits' },
  // Reserved − allocated in two terms a user can tell apart: what PyTorch's caching allocator holds beyond the
  // tensors, and memory PyTorch's counters never see.
  { key: 'fragmentation', label: 'allocator cache' },
  { key: 'overhead', label: 'non-PyTorch (CUDA, NCCL)' },
];
