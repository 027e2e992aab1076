// Names clients send that are not served models: agents send their own default model ids
// (claude-sonnet-4-5, gpt-5-codex); config maps them, exactly or by `*` pattern, to a served model.
import { modelMatcher, type ModelMatcher } from '../access/model-match.js';

export class ModelAliases {
  private readonly exact = new Map<string, string>();
  private readonly patterns: { match: ModelMatcher; target: string }[] = [];

  constructor(aliases: Readonly<Record<string, string>>) {
    // Exact names win over patterns; patterns apply in the order the config lists them.
    for (const [name, target] of Object.entries(aliases)) {
      if (/[*?]/.test(name)) this.patterns.push({ match: modelMatcher([name]), target });
      else this.exact.set(name, target);
    }
  }

  /** The served model a client's name stands for, or undefined when no alias applies. */
  target(name: string): string | undefined {
    const exact = this.exact.get(name);
    if (exact !== undefined) return exact;
    for (const p of this.patterns) if (p.match(name)) return p.target;
    return undefined;
  }
}
