// Allowed-model lists: exact names and globs (`*` any run of characters, `?` one character).
export type ModelMatcher = (model: string) => boolean;

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function modelMatcher(patterns: readonly string[]): ModelMatcher {
  if (patterns.length === 0 || patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !/[*?]/.test(p)));
  const globs = patterns.filter((p) => /[*?]/.test(p)).map(globToRegExp);
  return (model) => exact.has(model) || globs.some((g) => g.test(model));
}
