// Generated text is filler: 4-character words, so that re-sent output counts back to the same tokens.
const WORDS = [' sim', ' lab', ' key', ' map', ' run', ' log', ' row', ' set', ' bit', ' way', ' day', ' box', ' cue', ' fog', ' gem', ' hub'];

export function fillerToken(i: number): string {
  return WORDS[i & 15]!;
}

export function fillerText(tokens: number): string {
  let s = '';
  for (let i = 0; i < tokens; i++) s += WORDS[i & 15]!;
  return s;
}
