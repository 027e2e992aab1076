// Admin API errors name the JSON field ("Invalid request: budget_period: …"); the CLI says which flag
// the user typed instead ("--period: …").

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The message with the field it starts with (after an optional "400: " and "Invalid request: ") named as its flag. */
export function withFlagNames(message: string, flags: Readonly<Record<string, string>>): string {
  const m = /^((?:\d{3}: )?)(?:Invalid request: )?(.*)$/s.exec(message);
  let rest = m?.[2] ?? message;
  for (const [field, flag] of Object.entries(flags)) {
    const re = new RegExp(`^${escape(field)}(?=[:.\\s\\[]|$)`);
    if (re.test(rest)) {
      rest = rest.replace(re, flag);
      break;
    }
  }
  return `${m?.[1] ?? ''}${rest}`;
}
