// Seq1F1B sequence chunks k and split strategy: thunlp/Seq1F1B's flags, or MindSpeed's reimplementation.
import type { SplitStrategy } from '../../../types';
import { explicitSource, numberSpec, textSpec, type ResolveContext } from '../context';

const isStrategy = (v: string | null): v is SplitStrategy => v === 'average' || v === 'uniform_comp';

export function resolveSeq1f1b(ctx: ResolveContext): void {
  const mindSpeed = ctx.settings.get('--enable-seq1f1b');
  if (mindSpeed?.bool) {
    const splits = numberSpec('--seq1f1b-splits');
    if (ctx.settings.has(splits.name)) ctx.number('pipeSpSplits', splits);
    else
      ctx.set('pipeSpSplits', splits.default ?? null, {
        ...explicitSource(mindSpeed),
        status: 'default',
        note: `MindSpeed --seq1f1b-splits defaults to ${splits.default ?? null}`,
      });
    resolveStrategy(ctx, '--seq1f1b-balance-method');
  } else {
    ctx.number('pipeSpSplits', numberSpec('--pipe-sp-splits'));
    resolveStrategy(ctx, '--pipe-sp-strategy');
  }
}

function resolveStrategy(ctx: ResolveContext, flag: string): void {
  const st = ctx.settings.get(flag);
  if (!st) {
    const dflt = textSpec(flag).default ?? null;
    ctx.set('pipeSpStrategy', isStrategy(dflt) ? dflt : null, {
      status: 'default',
      note: `${flag} defaults to ${dflt}`,
    });
    return;
  }
  const v = st.values?.[0] ?? null;
  if (isStrategy(v)) ctx.set('pipeSpStrategy', v, explicitSource(st));
  else ctx.set('pipeSpStrategy', null, ctx.unresolved(st, 'pipeSpStrategy'));
}
