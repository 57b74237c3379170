// The plain fields: one flag (or its older spellings) sets one RunConfig field, and Megatron's default applies
// when it is absent. Both come from the flag table (`key`, `default`), so adding such a field is one table row.
import { FLAG_SPECS } from '../flags/table';
import type { ResolveContext } from './context';

export function resolvePlainFields(ctx: ResolveContext): void {
  for (const spec of FLAG_SPECS) {
    if (spec.default === undefined) continue;
    switch (spec.type) {
      case 'int':
      case 'float':
        if (spec.key) ctx.number(spec.key, spec);
        break;
      case 'store_true':
      case 'store_false':
        if (spec.key) ctx.switch(spec.key, spec);
        break;
      case 'str':
      case 'choice':
        if (spec.key) ctx.text(spec.key, spec);
        break;
      case 'nargs':
        break;
    }
  }
}
