// Launch recording: a python launch found in a command becomes a RawInvocation (launchers with their world-size
// options, entry point, argv fields, the environment conventions it sees), plus one diagnostic per unresolved
// root cause and per unquoted glob that reaches it.
import { scalarOf } from '../expand/environ';
import type { Field } from '../expand/fields';
import type { LauncherHit, OptRef } from '../launchers';
import { MAX_INVOCATIONS } from '../limits';
import { ValBuilder, isKnown, unknownReason, valSpan, viaVar, type Val } from '../value';
import type { RawDiag } from './diag';
import type { Vars } from './vars';

export interface RawLauncher {
  kind: LauncherHit['kind'];
  s0: number;
  s1: number;
  gpusPerNode: Field | null;
  nodes: Field | null;
  totalProcesses: Field | null;
  /** An option word of this launcher is unknown statically (`torchrun $DISTRIBUTED_ARGS …`): why. */
  opaque?: string;
}

export interface RawInvocation {
  launchers: RawLauncher[];
  entry: Field;
  args: Field[];
  s0: number;
  s1: number;
  conditional: boolean;
  env: Map<string, Field>;
  passthrough: [number, number][];
}

/** Names whose values the reader reports as environment conventions. */
export const ENV_CONVENTIONS = [
  'GPUS_PER_NODE',
  'NPROC_PER_NODE',
  'NUM_GPUS',
  'NUM_GPUS_PER_NODE',
  'NGPUS',
  'N_GPUS',
  'GPU_NUM',
  'GPUS',
  'KUBERNETES_CONTAINER_RESOURCE_GPU',
  'NNODES',
  'NUM_NODES',
  'N_NODES',
  'NODES',
  'SLURM_NNODES',
  'SLURM_JOB_NUM_NODES',
  'SLURM_NTASKS_PER_NODE',
  'SLURM_GPUS_PER_NODE',
  'WORLD_SIZE',
  'NODE_RANK',
  'RANK',
  'MASTER_ADDR',
  'MASTER_PORT',
  'CUDA_DEVICE_MAX_CONNECTIONS',
  'CUDA_VISIBLE_DEVICES',
  'PYTORCH_CUDA_ALLOC_CONF',
  'NVTE_FLASH_ATTN',
  'NVTE_FUSED_ATTN',
  'NVTE_UNFUSED_ATTN',
  'NVTE_ALLOW_NONDETERMINISTIC_ALGO',
  'NCCL_IB_DISABLE',
  'NCCL_P2P_DISABLE',
  'OMP_NUM_THREADS',
];
const ENV_SET = new Set(ENV_CONVENTIONS);

/** Transformer Engine and NCCL switches are reported whatever their name. */
function isEnvConvention(name: string): boolean {
  return ENV_SET.has(name) || name.startsWith('NVTE_') || name.startsWith('NCCL_');
}

/** A value as a field of its own (not a word of the command): its range is its definition. */
export function asField(v: Val, tok0: number, tok1: number, single: boolean): Field {
  return { text: v.text, segs: v.segs, cond: v.cond, glob: false, tok0, tok1, single };
}

/** The launcher hits of detectLaunch with their option words resolved to fields. */
export function rawLaunchers(hits: LauncherHit[], fields: Field[], end = fields.length): RawLauncher[] {
  const opt = (r: OptRef | null, maxPart: boolean): Field | null => {
    const f = r ? fields[r.word] : undefined;
    if (!r || !f) return null;
    let from = r.from;
    // `--nnodes MIN:MAX` → MAX
    if (maxPart) {
      const colon = f.text.indexOf(':', from);
      if (colon >= 0) from = colon + 1;
    }
    if (from === 0) return f;
    const b = new ValBuilder();
    b.appendSlice(f, from, f.text.length);
    const v = b.build();
    return { ...v, cond: f.cond, glob: f.glob, tok0: f.tok0, tok1: f.tok1, single: false };
  };
  const out: RawLauncher[] = [];
  for (const [k, h] of hits.entries()) {
    const a = fields[h.first];
    if (!a) continue; // detectLaunch only names words of `fields`
    const z = fields[Math.min(h.last, fields.length - 1)] ?? a;
    const torchrun =
      h.kind === 'torchrun' || h.kind === 'torch.distributed.run' || h.kind === 'torch.distributed.launch';
    const launcher: RawLauncher = {
      kind: h.kind,
      s0: a.tok0,
      s1: Math.max(a.tok1, z.tok1),
      gpusPerNode: opt(h.gpusPerNode, false),
      nodes: opt(h.nodes, torchrun),
      totalProcesses: opt(h.totalProcesses, false),
    };
    // Words between this launcher and the next one (or the entry) that are unknown may hold its counts.
    const stop = Math.min(hits[k + 1]?.first ?? end, end);
    const values = new Set([h.gpusPerNode?.word, h.nodes?.word, h.totalProcesses?.word]);
    for (let i = h.first + 1; i < stop && launcher.opaque === undefined; i++) {
      if (values.has(i)) continue; // a count's own value: the count is read (or assumed) from it already
      const f = fields[i];
      if (f && !isKnown(f)) launcher.opaque = unknownReason(f) ?? 'an option word only known at run time';
    }
    out.push(launcher);
  }
  return out;
}

export class Recorder {
  invocations: RawInvocation[] = [];
  /** The environment conventions as the first launch saw them. */
  envAtFirstLaunch: Map<string, Field> | null = null;
  private readonly unresolvedSeen = new Set<string>();
  private readonly globSeen = new Set<string>();

  constructor(
    private readonly doc: string,
    private readonly vars: Vars,
    private readonly diags: RawDiag[],
  ) {}

  record(inv: Omit<RawInvocation, 'env'>, prefixEnv: Map<string, Field>): void {
    if (this.invocations.length >= MAX_INVOCATIONS) return;
    const env = new Map<string, Field>();
    for (const [k, v] of this.envSnapshot()) env.set(k, this.envField(k, v));
    for (const [k, v] of prefixEnv) if (isEnvConvention(k)) env.set(k, v);
    if (!this.envAtFirstLaunch) this.envAtFirstLaunch = env;
    const { launchers, entry, args, s0, s1, conditional, passthrough } = inv;
    this.invocations.push({ launchers, entry, args, s0, s1, conditional, env, passthrough });
    // One diagnostic per unresolved root cause that reaches a launch argument or a world-size option.
    // In command order: launcher options stand before the entry point and its arguments.
    const words: Field[] = [];
    for (const l of inv.launchers) for (const f of [l.gpusPerNode, l.nodes, l.totalProcesses]) if (f) words.push(f);
    words.push(inv.entry, ...inv.args);
    for (const f of words) {
      if (!isKnown(f)) this.reportUnresolved(f);
      if (f.glob) this.reportGlob(f);
    }
  }

  private reportGlob(f: Field): void {
    const key = `${f.tok0}:${f.tok1}`;
    if (this.globSeen.has(key)) return;
    this.globSeen.add(key);
    this.diags.push({
      code: 'unquoted-glob',
      severity: 'hint',
      message: `\`${f.text}\` is unquoted, so the shell may expand it as a file pattern; quote it`,
      s0: f.tok0,
      s1: f.tok1,
    });
  }

  private reportUnresolved(f: Field): void {
    const g = f.segs.find((x) => x.unknown !== undefined);
    if (!g) return;
    const [nearest, ...through] = g.origins;
    const deepest = g.origins[g.origins.length - 1];
    const key = deepest ? `${deepest.s0}:${deepest.s1}:${g.unknown}` : `${g.s0}:${g.s1}:${g.unknown}`;
    if (this.unresolvedSeen.has(key)) return;
    this.unresolvedSeen.add(key);
    const what = nearest ? `$${nearest.name}` : `\`${this.doc.slice(g.s0, Math.min(g.s1, g.s0 + 60))}\``;
    const via = through.length ? ` (via ${through.map((o) => '$' + o.name).join(', ')})` : '';
    const d: RawDiag = {
      code: 'unresolved-value',
      severity: 'warning',
      message: `${what}${via} cannot be resolved statically: ${g.unknown}`,
      s0: g.s0,
      s1: Math.max(g.s1, g.s0 + 1),
    };
    if (g.origins.length) d.related = g.origins.map((o) => ({ message: `${o.name} is set here`, s0: o.s0, s1: o.s1 }));
    this.diags.push(d);
  }

  /** Current values of the environment conventions (values are immutable, so references suffice). */
  envSnapshot(): Map<string, Val> {
    const env = new Map<string, Val>();
    for (const name of ENV_CONVENTIONS) {
      const v = scalarOf(this.vars, name);
      if (v) env.set(name, v);
    }
    for (const [k, v] of this.vars.globals)
      if (v.val && (k.startsWith('NVTE_') || k.startsWith('NCCL_'))) env.set(k, v.val);
    return env;
  }

  /** An environment value as a field pointing at its definition. */
  envField(name: string, v: Val): Field {
    const [s0, s1] = valSpan(v) ?? [0, 0];
    return asField(viaVar(name, v, s0, s1), s0, s1, true);
  }
}
