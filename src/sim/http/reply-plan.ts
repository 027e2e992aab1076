// What a simulated replica answers, decided when the request arrives: filler text (the fast path),
// a tool call with schema-valid arguments, schema-valid JSON, or text cut at a stop string. The plan's
// token count is what the engine core generates, so timing follows the answer's real length.
import type { Rng } from '../../random/seeded-rng.js';
import { fillerText, fillerToken } from './filler.js';
import { jsonInstance } from './json-instance.js';

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface ToolCallPlan {
  readonly id: string;
  readonly name: string;
}

export interface ChoicePlan {
  /** Tokens to generate. */
  readonly tokens: number;
  /** Text of each token; undefined for plain filler (its text comes from fillerToken). */
  readonly pieces: readonly string[] | undefined;
  readonly finish: FinishReason;
  /** The stop string that ended the text (vLLM's stop_reason). */
  readonly stopString: string | null;
  /** Set when the choice is a tool call: pieces are its arguments. */
  readonly call: ToolCallPlan | undefined;
}

export interface PlanInput {
  readonly body: Record<string, unknown>;
  /** Output length when the request gives no max_tokens. */
  readonly sampledTokens: number;
  readonly maxTokens: number | undefined;
  /** Probability of a tool call when tools are offered and tool_choice is auto. */
  readonly toolCallRate: number;
  /** Answers end at their sampled length when max_tokens allows (as models stop), not at max_tokens. */
  readonly naturalLength: boolean;
  readonly rng: Rng;
  readonly callId: string;
}

/** Cuts text into ~4-character token pieces (the simulator's tokenizer), keeping UTF-16 pairs whole. */
function pieces(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + 4);
    const c = text.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff && end < text.length) end++;
    out.push(text.slice(i, end));
    i = end;
  }
  return out.length > 0 ? out : [''];
}

interface Tool {
  readonly name: string;
  readonly parameters: unknown;
}

function tools(body: Record<string, unknown>): Tool[] {
  if (!Array.isArray(body.tools)) return [];
  const out: Tool[] = [];
  for (const t of body.tools as unknown[]) {
    const fn = t && typeof t === 'object' && 'function' in t ? (t as { function?: unknown }).function : undefined;
    if (fn && typeof fn === 'object' && 'name' in fn && typeof fn.name === 'string') out.push({ name: fn.name, parameters: 'parameters' in fn ? fn.parameters : undefined });
  }
  return out;
}

/** The tool to call, or undefined for a text answer, as tool_choice decides. */
function chooseTool(input: PlanInput): Tool | undefined {
  const offered = tools(input.body);
  if (offered.length === 0) return undefined;
  const choice = input.body.tool_choice;
  if (choice === 'none') return undefined;
  if (choice && typeof choice === 'object') {
    const fn = (choice as { function?: { name?: unknown } }).function;
    const named = offered.find((t) => t.name === fn?.name);
    if (named) return named;
  }
  if (choice !== 'required' && !(choice && typeof choice === 'object') && !(input.rng() < input.toolCallRate)) return undefined;
  return offered[Math.floor(input.rng() * offered.length)];
}

function schemaOf(body: Record<string, unknown>): { schema: unknown } | undefined {
  const rf = body.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  if (!rf || typeof rf !== 'object') return undefined;
  if (rf.type === 'json_schema') return { schema: rf.json_schema?.schema ?? {} };
  if (rf.type === 'json_object') return { schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } };
  return undefined;
}

function stops(body: Record<string, unknown>): string[] {
  const s = body.stop;
  if (typeof s === 'string') return s ? [s] : [];
  return Array.isArray(s) ? s.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];
}

/** Structured text (JSON, arguments) under the token limit: cut short with finish 'length' when it does not fit. */
function limited(text: string, input: PlanInput, finish: FinishReason, call?: ToolCallPlan): ChoicePlan {
  const all = pieces(text);
  const cut = input.maxTokens !== undefined && all.length > input.maxTokens;
  const p = cut ? all.slice(0, input.maxTokens) : all;
  return { tokens: p.length, pieces: p, finish: cut ? 'length' : finish, stopString: null, call };
}

export function planChoice(input: PlanInput): ChoicePlan {
  const tool = chooseTool(input);
  if (tool) return limited(JSON.stringify(jsonInstance(tool.parameters ?? {}, input.rng)), input, 'tool_calls', { id: input.callId, name: tool.name });
  const schema = schemaOf(input.body);
  if (schema) return limited(JSON.stringify(jsonInstance(schema.schema, input.rng)), input, 'stop');
  // max_tokens is the length asked for, unless answers end by themselves (naturalLength, no ignore_eos).
  const natural = input.naturalLength && input.body.ignore_eos !== true;
  const tokens = input.maxTokens === undefined ? input.sampledTokens : natural ? Math.min(input.maxTokens, input.sampledTokens) : input.maxTokens;
  const finish: FinishReason = input.maxTokens !== undefined && tokens === input.maxTokens ? 'length' : 'stop';
  const stopList = stops(input.body);
  if (stopList.length > 0) {
    // Generation ends where a stop string first appears; the string itself is not returned.
    const text = fillerText(tokens);
    let at = -1;
    let hit: string | null = null;
    for (const s of stopList) {
      const i = text.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        hit = s;
      }
    }
    if (hit !== null) {
      const p: string[] = [];
      for (let i = 0, len = 0; len < at; i++) {
        const t = fillerToken(i);
        p.push(len + t.length > at ? t.slice(0, at - len) : t);
        len += t.length;
      }
      // The token holding the stop string is generated, though not shown.
      return { tokens: p.length + 1, pieces: [...p, ''], finish: 'stop', stopString: hit, call: undefined };
    }
  }
  return { tokens, pieces: undefined, finish, stopString: null, call: undefined };
}

/** The text a choice shows (content, or a tool call's arguments). */
export function planText(plan: ChoicePlan): string {
  return plan.pieces ? plan.pieces.join('') : fillerText(plan.tokens);
}
