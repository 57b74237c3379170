// Model shape against tensor and context parallelism: heads and query groups split over TP, head dimension,
// sequence length over 2·CP, the position table.
import { code, divisors, nearestMultiples, positive, type Rule, type RuleContext } from './rule';

export const shapeRule: Rule = {
  family: 'shape',
  codes: [
    code('heads-not-divisible-by-tp', 'error'),
    code('query-groups-not-divisible-by-tp', 'error'),
    code('query-groups-ignored', 'warning'),
    code('hidden-not-divisible-by-heads', 'error'),
    code('cp-seq-not-divisible', 'error'),
    code('max-position-less-than-seq', 'error'),
  ],
  check(ctx) {
    checkHeads(ctx);
    checkSequence(ctx);
  },
};

function checkHeads(ctx: RuleContext): void {
  const { tensorParallel: t, hiddenSize: h, numAttentionHeads: a, numQueryGroups: g } = ctx.cfg;
  if (positive(a) && positive(t) && a % t !== 0) {
    ctx.push({
      code: 'heads-not-divisible-by-tp',
      severity: 'error',
      message: `${a} attention heads are not divisible by tensor-parallel size ${t}; use a TP that divides ${a} (${divisors(a).join(', ')})`,
      range: ctx.explicit('tensorParallel') ? ctx.at('tensorParallel') : ctx.at('numAttentionHeads'),
      related: ctx.rel(['numAttentionHeads', 'heads']),
    });
  }
  if (ctx.cfg.groupQueryAttention && positive(g) && positive(t) && g % t !== 0 && t % g !== 0) {
    ctx.push({
      code: 'query-groups-not-divisible-by-tp',
      severity: 'error',
      message: `${g} query groups and TP ${t}: one must divide the other (Megatron: num_query_groups % TP == 0 or TP % num_query_groups == 0)`,
      range: ctx.at('numQueryGroups'),
      related: ctx.rel(['tensorParallel', 'TP']),
    });
  }
  const qg = ctx.settings.get('--num-query-groups');
  if (qg && !ctx.cfg.groupQueryAttention && !ctx.settings.has('--num-key-value-heads')) {
    ctx.push({
      code: 'query-groups-ignored',
      severity: 'warning',
      message:
        `--num-query-groups ${qg.values?.[0] ?? ''} has no effect without --group-query-attention: Megatron silently uses ${a ?? 'a'} K/V heads (one per attention head)`.replace(
          '  ',
          ' ',
        ),
      range: qg.range,
      fixes: ctx.fixes(
        ctx.fix('Add --group-query-attention', '--group-query-attention', 'true', true),
        ctx.fix('Remove --num-query-groups', '--num-query-groups', null),
      ),
    });
  }
  if (positive(h) && positive(a) && !ctx.settings.has('--kv-channels') && h % a !== 0) {
    ctx.push({
      code: 'hidden-not-divisible-by-heads',
      severity: 'error',
      message: `hidden size ${h} is not divisible by ${a} attention heads (head dim ${(h / a).toFixed(2)}); Megatron asserts h % a == 0 unless --kv-channels is given`,
      range: ctx.at('hiddenSize'),
      related: ctx.rel(['numAttentionHeads', 'heads']),
    });
  }
}

function checkSequence(ctx: RuleContext): void {
  const { contextParallel: c, seqLength: s, maxPositionEmbeddings: maxPos } = ctx.cfg;
  if (positive(c) && c > 1 && positive(s) && s % (2 * c) !== 0) {
    const { down, up } = nearestMultiples(s, 2 * c);
    ctx.push({
      code: 'cp-seq-not-divisible',
      severity: 'error',
      message: `seq length ${s} must be a multiple of 2·CP = ${2 * c} with context parallelism ${c}; use ${down ?? up} or ${up}`,
      range: ctx.at('seqLength'),
      related: ctx.rel(['contextParallel', 'CP']),
    });
  }
  if (positive(maxPos) && positive(s) && maxPos < s) {
    ctx.push({
      code: 'max-position-less-than-seq',
      severity: 'error',
      message: `max position embeddings ${maxPos} is smaller than seq length ${s}; Megatron requires max_position_embeddings ≥ seq_length`,
      range: ctx.at('maxPositionEmbeddings'),
      related: ctx.rel(['seqLength', 'seq length']),
      fixes: ctx.fixes(ctx.fix(`Set --max-position-embeddings to ${s}`, '--max-position-embeddings', String(s), true)),
    });
  }
}
